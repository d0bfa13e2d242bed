import { appendFile, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ExecResult } from '../../sandbox/provider.js';
import { shellQuote } from '../../sandbox/shell-quote.js';
import { buildLogTail, SnapshotBuildError } from '../../sandbox/snapshot-build-error.js';
import { planSetup, type SetupPlan, type SetupStep } from './setup-plan.js';

/**
 * Runs the setup plan of a repo without `.tandem/setup.sh` (setup-plan.ts): each step its own run in
 * the setup sandbox (the repo's setup network: the registries its ecosystems use, through the egress
 * proxy), its output appended to the build's setup.log, its label shown as the build's progress. A
 * step whose tool the host lacks is reported (what is missing and how to provide it) and passed over;
 * a step that fails fails the build, as a failing setup.sh does. The snapshot records what it ran and
 * which toolchain versions it had in toolchains.json, next to setup.log.
 */

export const SETUP_LOG_FILE = 'setup.log';
/** No step starts after this long (each step is also bounded by the setup sandbox's own timeout): a file of many slow steps can't hold a build for hours. */
export const SETUP_PLAN_BUDGET_MS = 10 * 60_000;
export const TOOLCHAINS_FILE = 'toolchains.json';

/** The first stdout line of a step whose tool is missing (the check runs before the step's own command). */
export const MISSING_TOOL_MARKER = 'tandem-setup-missing:';
const VERSION_MARKER = 'tandem-toolchain';

/**
 * Every step's environment: caches in the sandbox's /tmp (not the snapshot), nothing interactive
 * (not CI=true: pnpm and yarn then refuse to install a repo that has no lockfile),
 * corepack fetching package managers from the npm registry (a setup host). Where corepack keeps them
 * (the snapshot's toolchain folder, not pinning `packageManager` into the repo) is the sandbox's own
 * environment (SANDBOX_TOOLS_ENV): sessions then run the same versions.
 */
export const SETUP_STEP_ENVIRONMENT: Readonly<Record<string, string>> = {
  npm_config_cache: '/tmp/tandem-setup/npm',
  npm_config_update_notifier: 'false',
  YARN_CACHE_FOLDER: '/tmp/tandem-setup/yarn',
  PIP_CACHE_DIR: '/tmp/tandem-setup/pip',
  PIP_DISABLE_PIP_VERSION_CHECK: '1',
  PIP_NO_INPUT: '1',
  UV_CACHE_DIR: '/tmp/tandem-setup/uv',
  // HOME is the workspace: pnpm's store, cache and state (and poetry's cache) would land in the snapshot.
  XDG_CACHE_HOME: '/tmp/tandem-setup/xdg-cache',
  XDG_DATA_HOME: '/tmp/tandem-setup/xdg-data',
  XDG_STATE_HOME: '/tmp/tandem-setup/xdg-state',
};

/** The host's CA store (Debian, Ubuntu, Alpine), which sandboxes see under their read-only /etc. */
export const SYSTEM_CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

/** What the probe prints: the tools on the sandbox's PATH and the project's virtualenv. */
const TOOLCHAIN_PROBE = [
  'for tool in node npm corepack bun python3 uv poetry go cargo; do',
  `  if command -v "$tool" >/dev/null 2>&1; then printf '${VERSION_MARKER} %s %s\\n' "$tool" "$("$tool" --version 2>&1 | head -n 1)"; fi`,
  'done',
  `if [ -x .venv/bin/python ]; then printf '${VERSION_MARKER} venv %s\\n' "$(.venv/bin/python --version 2>&1)"; fi`,
].join('\n');

/** The bash text one step runs: its environment, the check for its tool, its command, then its tool's version. */
export function stepScript(step: Extract<SetupStep, { kind: 'run' }>): string {
  const lines = [
    `export ${Object.entries(SETUP_STEP_ENVIRONMENT).map(([name, value]) => `${name}=${shellQuote(value)}`).join(' ')}`,
    // The npm registry for corepack: the operator's mirror when the sandbox's npm has one.
    'export COREPACK_NPM_REGISTRY="${npm_config_registry:-https://registry.npmjs.org}"',
    // Node's own https (corepack, yarn) trusts only its bundled CAs; npm, pip and curl read the host's
    // store, where an operator puts the CA of a TLS-intercepting egress. Node gets that store too.
    `if [ -z "\${NODE_EXTRA_CA_CERTS:-}" ] && [ -f ${SYSTEM_CA_BUNDLE} ]; then export NODE_EXTRA_CA_CERTS=${SYSTEM_CA_BUNDLE}; fi`,
  ];
  if (step.tool) {
    lines.push(`if ! command -v ${step.tool.name} >/dev/null 2>&1; then echo ${shellQuote(`${MISSING_TOOL_MARKER} ${step.tool.name} is not installed on this server: ${step.tool.provide}`)}; exit 127; fi`);
  }
  lines.push(step.script);
  if (step.versionOf) {
    // Only once the step succeeded; the step's own exit status stays the script's.
    lines[lines.length - 1] = `{\n${step.script}\n} && printf '${VERSION_MARKER} %s %s\\n' ${step.versionOf.name} "$(${step.versionOf.command} 2>&1 | head -n 1)"`;
  }
  return lines.join('\n');
}

/** Where a repo's own setup.sh finds what detection would have run (`bash "$TANDEM_DETECTED_SETUP"`), in the toolchain folder. */
export const DETECTED_SETUP_FILE = 'detected-setup.sh';
export const DETECTED_SETUP_VARIABLE = 'TANDEM_DETECTED_SETUP';

/**
 * Pure: the detected steps as one bash script a repo's setup.sh can call: each step in its own
 * subshell, in order, stopping at the first that fails (a missing tool says what is missing and exits
 * 127); a step detection passes over is said, not run.
 */
export function detectedSetupScript(steps: readonly SetupStep[]): string {
  const lines = ['#!/usr/bin/env bash', '# What Tandem detects in this repo, for its .tandem/setup.sh to run: bash "$TANDEM_DETECTED_SETUP"', 'set -e'];
  for (const step of steps) {
    if (step.kind === 'skipped') lines.push(`echo ${shellQuote(`tandem: ${step.label}: skipped (${step.reason})`)}`);
    else lines.push(`echo ${shellQuote(`== ${step.label}`)}`, `(\n${stepScript(step)}\n)`);
  }
  if (steps.length === 0) lines.push(`echo 'tandem: nothing detected to install'`);
  return `${lines.join('\n')}\n`;
}

export type StepOutcome = { label: string; outcome: 'ran' | 'skipped' | 'missing-tool'; detail?: string };

export interface ToolchainRecord {
  /** The file followed, or 'detected'. */
  source: string;
  steps: StepOutcome[];
  /** Tool → the first line of its `--version`, as the setup sandbox saw it. */
  toolchains: Record<string, string>;
}

/** What a failed step's output can mean, said where whoever reads the log looks first (its end). */
const FAILURE_HINTS: ReadonlyArray<{ pattern: RegExp; hint: string }> = [
  {
    pattern: /No compatible signature found in package metadata/,
    hint: "the registry's metadata carries no signatures (a mirror or an intercepting proxy strips them), so corepack can't check the package manager it downloads: pin it with its hash in package.json (`corepack use pnpm@<version>` writes packageManager as name@version+sha512.…)",
  },
];

/** Pure: the hints that apply to a failed step's output. */
export function failureHints(output: string): string[] {
  return FAILURE_HINTS.filter(({ pattern }) => pattern.test(output)).map(({ hint }) => `tandem: ${hint}`);
}

/** Pure: tool versions from the probe's output. */
export function parseToolchainVersions(stdout: string): Record<string, string> {
  const versions: Record<string, string> = {};
  for (const line of stdout.split('\n')) {
    const match = new RegExp(`^${VERSION_MARKER} ([a-z0-9]+) (.{1,200})$`).exec(line.trim());
    if (match) versions[match[1]!] = match[2]!.trim();
  }
  return versions;
}

export interface RunRepoSetupOptions {
  /** The snapshot's tree (the sandbox's /workspace while setup runs). */
  tree: string;
  /** The snapshot's folder: setup.log and toolchains.json go here. */
  snapshotDir: string;
  repo: string;
  runSetup(treeDir: string, script: string, repo: string): Promise<ExecResult>;
  progress(step: string): void;
  /** The plan; by default planSetup(tree). */
  plan?: SetupPlan;
}

/**
 * Plans and runs the setup of a tree without `.tandem/setup.sh`. Returns whether anything ran in the
 * tree (the caller then shares the tree's new files with the sandboxes' uids). Throws, with the log's
 * last lines, when a step fails.
 */
export async function runRepoSetup(options: RunRepoSetupOptions): Promise<boolean> {
  const plan = options.plan ?? (await planSetup(options.tree));
  const logFile = path.join(options.snapshotDir, SETUP_LOG_FILE);
  const source = plan.source.kind === 'file' ? plan.source.path : 'detected';
  const log = (text: string) => appendFile(logFile, text.endsWith('\n') ? text : `${text}\n`);
  await writeFile(logFile, '');
  for (const note of plan.notes) await log(`tandem: ${note}`);
  if (!plan.steps.some((step) => step.kind === 'run')) {
    for (const step of plan.steps) if (step.kind === 'skipped') await log(`tandem: ${step.label}: skipped (${step.reason})`);
    await log('tandem: no setup file and nothing detected to install');
    return false;
  }
  const announce = plan.source.kind === 'file' ? `Following ${plan.source.path}` : `Detected: ${plan.steps.map((step) => step.label.replace(/^Installing with /, '')).join(', ')}`;
  options.progress(announce);
  await log(`tandem: ${announce}`);
  const record: ToolchainRecord = { source, steps: [], toolchains: {} };
  let ran = false;
  const stepVersions: Record<string, string> = {};
  const deadlineMs = Date.now() + SETUP_PLAN_BUDGET_MS;
  for (const step of plan.steps) {
    if (step.kind === 'run' && Date.now() > deadlineMs) {
      await log(`tandem: setup ran past ${SETUP_PLAN_BUDGET_MS / 60_000} minutes; ${step.label} and what follows were not run`);
      throw new SnapshotBuildError(`setup took longer than ${SETUP_PLAN_BUDGET_MS / 60_000} minutes (before ${step.label})`, buildLogTail(await readFile(logFile, 'utf8')));
    }
    if (step.kind === 'skipped') {
      await log(`\n== ${step.label}: skipped (${step.reason})`);
      record.steps.push({ label: step.label, outcome: 'skipped', detail: step.reason });
      continue;
    }
    options.progress(step.label);
    await log(`\n== ${step.label}\n$ ${step.script}`);
    const startedMs = Date.now();
    const result = await options.runSetup(options.tree, stepScript(step), options.repo);
    ran = true;
    await log(`${result.stdout}${result.stderr ? `\n${result.stderr}` : ''}`);
    const missing = step.tool && result.stdout.startsWith(MISSING_TOOL_MARKER) ? result.stdout.split('\n')[0]!.slice(MISSING_TOOL_MARKER.length).trim() : null;
    if (missing) {
      options.progress(missing);
      record.steps.push({ label: step.label, outcome: 'missing-tool', detail: missing });
      continue;
    }
    if (result.exitCode !== 0) {
      const hints = failureHints(`${result.stdout}\n${result.stderr}`);
      await log([`tandem: ${step.label} failed (exit ${result.exitCode ?? 'timeout'})`, ...hints].join('\n'));
      throw new SnapshotBuildError(`${step.label} failed (exit ${result.exitCode ?? 'timeout'})`, buildLogTail([result.stdout, result.stderr, ...hints].join('\n')));
    }
    Object.assign(stepVersions, parseToolchainVersions(result.stdout));
    await log(`tandem: done in ${((Date.now() - startedMs) / 1000).toFixed(1)} s`);
    record.steps.push({ label: step.label, outcome: 'ran' });
  }
  const probe = await options.runSetup(options.tree, TOOLCHAIN_PROBE, options.repo);
  record.toolchains = { ...parseToolchainVersions(probe.stdout), ...stepVersions };
  await writeFile(path.join(options.snapshotDir, TOOLCHAINS_FILE), `${JSON.stringify(record, null, 2)}\n`);
  return ran;
}
