import { mkdtempSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { ExecResult } from '../../sandbox/provider.js';
import { SnapshotBuildError } from '../../sandbox/snapshot-build-error.js';
import { REQUIRED_TOOLS } from './detect-toolchains.js';
import { MISSING_TOOL_MARKER, runRepoSetup, SETUP_PLAN_BUDGET_MS, SETUP_LOG_FILE, TOOLCHAINS_FILE, type ToolchainRecord } from './run-setup-plan.js';
import type { SetupPlan } from './setup-plan.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'tandem-run-setup-'));
afterAll(() => rm(root, { recursive: true, force: true }));

/** Runs a plan against a fake setup sandbox that answers each script by the first rule matching it. */
async function run(plan: SetupPlan, answers: Array<[RegExp, Partial<ExecResult>]>) {
  const snapshotDir = mkdtempSync(path.join(root, 'snap-'));
  const progress: string[] = [];
  const scripts: string[] = [];
  const outcome = await runRepoSetup({
    tree: path.join(snapshotDir, 'tree'),
    snapshotDir,
    repo: '/repos/app',
    plan,
    progress: (step) => progress.push(step),
    runSetup: async (_tree, script) => {
      scripts.push(script);
      // A step that takes its time: the clock moves on by as much.
      const sleep = /sleep (\d+)/.exec(script);
      if (sleep) vi.setSystemTime(Date.now() + Number(sleep[1]) * 1000);
      const answer = answers.find(([pattern]) => pattern.test(script))?.[1] ?? {};
      return { exitCode: 0, stdout: '', stderr: '', ...answer } as ExecResult;
    },
  }).catch((error: unknown) => error);
  const read = (name: string) => {
    try {
      return readFileSync(path.join(snapshotDir, name), 'utf8');
    } catch {
      return null;
    }
  };
  return { outcome, progress, scripts, log: read(SETUP_LOG_FILE) ?? '', record: JSON.parse(read(TOOLCHAINS_FILE) ?? 'null') as ToolchainRecord | null };
}

const PROBE = /for tool in node npm/;

describe('running a setup plan', () => {
  it('shows each step as progress, logs its output, reports a missing tool without failing, and records the versions', async () => {
    const plan: SetupPlan = {
      source: { kind: 'detected' },
      notes: ['.devcontainer/devcontainer.json names no setup command'],
      steps: [
        { kind: 'run', label: 'Installing with pnpm 9.12.0 (packageManager)', script: 'corepack pnpm i', tool: REQUIRED_TOOLS.corepack, versionOf: { name: 'pnpm', command: 'corepack pnpm --version' } },
        { kind: 'run', label: 'Downloading Go modules (go.mod)', script: 'go mod download', tool: REQUIRED_TOOLS.go },
      ],
    };
    const { outcome, progress, log, record } = await run(plan, [
      [/corepack pnpm i/, { stdout: 'Packages: +1\ntandem-toolchain pnpm 9.12.0\n' }],
      [/go mod download/, { exitCode: 127, stdout: `${MISSING_TOOL_MARKER} go is not installed on this server: see https://go.dev/doc/install\n` }],
      [PROBE, { stdout: 'tandem-toolchain node v20.20.2\ntandem-toolchain npm 10.8.2\n' }],
    ]);
    expect(outcome).toBe(true);
    expect(progress).toEqual([
      'Detected: pnpm 9.12.0 (packageManager), Downloading Go modules (go.mod)',
      'Installing with pnpm 9.12.0 (packageManager)',
      'Downloading Go modules (go.mod)',
      'go is not installed on this server: see https://go.dev/doc/install',
    ]);
    expect(log).toContain('tandem: .devcontainer/devcontainer.json names no setup command');
    expect(log).toContain('== Installing with pnpm 9.12.0 (packageManager)\n$ corepack pnpm i\nPackages: +1');
    expect(record).toEqual({
      source: 'detected',
      steps: [
        { label: 'Installing with pnpm 9.12.0 (packageManager)', outcome: 'ran' },
        { label: 'Downloading Go modules (go.mod)', outcome: 'missing-tool', detail: 'go is not installed on this server: see https://go.dev/doc/install' },
      ],
      toolchains: { node: 'v20.20.2', npm: '10.8.2', pnpm: '9.12.0' },
    });
  });

  it('says which file it follows; a skipped step is logged; a failing step fails the build with the log’s last lines and stops there', async () => {
    const plan: SetupPlan = {
      source: { kind: 'file', path: '.github/workflows/copilot-setup-steps.yml' },
      notes: [],
      steps: [
        { kind: 'skipped', label: 'uses: actions/setup-node@v4 (.github/workflows/copilot-setup-steps.yml)', reason: 'a GitHub Action' },
        { kind: 'run', label: 'Install (.github/workflows/copilot-setup-steps.yml)', script: 'npm ci' },
        { kind: 'run', label: 'Never (.github/workflows/copilot-setup-steps.yml)', script: 'echo never' },
      ],
    };
    const { outcome, progress, scripts, log, record } = await run(plan, [[/npm ci/, { exitCode: 1, stderr: 'npm ERR! 404 left-pad@9.9.9\n' }]]);
    expect(outcome).toBeInstanceOf(SnapshotBuildError);
    expect(outcome).toMatchObject({ summary: 'Install (.github/workflows/copilot-setup-steps.yml) failed (exit 1)', logTail: 'npm ERR! 404 left-pad@9.9.9' });
    expect(progress).toEqual(['Following .github/workflows/copilot-setup-steps.yml', 'Install (.github/workflows/copilot-setup-steps.yml)']);
    expect(scripts.some((script) => script.includes('echo never'))).toBe(false);
    expect(log).toContain('skipped (a GitHub Action)');
    expect(record).toBeNull();
  });

  it('starts no step once the plan has run past its budget (a file of many slow steps)', async () => {
    const slow = (index: number) => ({ kind: 'run' as const, label: `slow ${index}`, script: `sleep 590 # ${index}` });
    const { outcome, scripts } = await run({ source: { kind: 'file', path: '.cursor/environment.json' }, notes: [], steps: [slow(1), slow(2), slow(3)] }, [
      [/sleep 590/, {}],
    ]).finally(() => vi.useRealTimers());
    expect(outcome).toMatchObject({ summary: `setup took longer than ${SETUP_PLAN_BUDGET_MS / 60_000} minutes (before slow 3)` });
    expect(scripts).toHaveLength(2);
  });

  it('a failure corepack reports for a registry without signatures ends with what to do about it', async () => {
    const plan: SetupPlan = { source: { kind: 'detected' }, notes: [], steps: [{ kind: 'run', label: 'Installing with pnpm 9.12.0 (packageManager)', script: 'corepack pnpm i' }] };
    const { outcome, log } = await run(plan, [[/corepack pnpm i/, { exitCode: 1, stderr: 'Error: No compatible signature found in package metadata\n' }]]);
    expect((outcome as SnapshotBuildError).logTail).toMatch(/No compatible signature found in package metadata\ntandem: the registry's metadata carries no signatures .*corepack use pnpm@<version>/);
    expect(log).toContain("tandem: the registry's metadata carries no signatures");
  });

  it('runs nothing when nothing is detected (no sandbox, no progress), and says so in the log', async () => {
    const { outcome, progress, scripts, log } = await run({ source: { kind: 'detected' }, notes: [], steps: [{ kind: 'skipped', label: 'Installing with npm', reason: 'package.json names no dependencies' }] }, []);
    expect(outcome).toBe(false);
    expect(progress).toEqual([]);
    expect(scripts).toEqual([]);
    expect(log).toContain('Installing with npm: skipped (package.json names no dependencies)');
  });
});
