import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { liveFilePaths, readFileInfo } from '@tandem/shared/doc/accessors.js';
import { fileInfoMap } from '@tandem/shared/doc/schema.js';
import { MAX_LIVE_FILE_BYTES, MAX_LIVE_FILES } from '@tandem/shared/limits.js';
import type { IdentityResponse } from '@tandem/shared/protocol/http.js';
import {
  allocateMemory,
  BACKGROUND_FLOODS,
  heldMebibytes,
  fillFile,
  fillWorkspaceInParallel,
  INTERRUPT,
  TERMINAL_OUTPUT_FLOOD,
} from '../../test-support/attacks/resource-floods.js';
import { openSessionShell, type SessionShell } from '../../test-support/attacks/shell.js';
import { EXAMPLE_REPO } from '../../test-support/local-sandbox.js';
import { serverForFile } from '../../test-support/server-per-file.js';
import { connectPeer, waitFor, waitForSync } from '../../test-support/test-server.js';
import type { LocalSandbox } from '../sandbox/local/local-sandbox.js';

/**
 * Resources (issue 9): a sandbox gets bounded memory, /tmp and workspace disk, the server never pulls
 * a sandbox's big files into its own memory, and one session flooding everything at once leaves another
 * session's terminal and /api/health responsive. Real server, real bwrap sandboxes, with small limits
 * so that reaching them is quick.
 */
const MIB = 1024 * 1024;
const LIMITS = { memoryBytes: 512 * MIB, tmpBytes: 64 * MIB, workspaceBytes: 160 * MIB };
/** How long everything floods while the bystander is measured. */
const FLOOD_MS = 10_000;
/** Generous: responsiveness, not a benchmark (a quiet machine answers in a few milliseconds). */
const BYSTANDER_ECHO_BOUND_MS = 3_000;
const HEALTH_BOUND_MS = 2_000;

vi.setConfig({ hookTimeout: 120_000 });
const shared = serverForFile('sandbox-resources', { sandboxes: true }, (config) => ({ ...config, sandbox: { ...config.sandbox, limits: LIMITS } }));
const shells: SessionShell[] = [];
/** Sessions a test started; stopped after it (a person may run only a few sandboxes at once). */
const started: string[] = [];
let ada: IdentityResponse;
let eve: IdentityResponse;

beforeAll(async () => {
  [ada, eve] = await Promise.all([shared.api.identity('Ada'), shared.api.identity('Eve')]);
});
afterAll(() => shells.forEach((shell) => shell.close()));
afterEach(async () => {
  for (const sessionId of started.splice(0)) await shared.server.runtime!.stop(sessionId);
});

async function startSession(person: IdentityResponse, title: string) {
  const sessionId = await shared.api.createSession(person.token, title, EXAMPLE_REPO);
  started.push(sessionId);
  const live = await shared.server.runtime!.ensureStarted(sessionId);
  await live.files;
  return { sessionId, sandbox: live.sandbox as LocalSandbox };
}

async function run(sandbox: LocalSandbox, command: string, timeoutMs = 60_000): Promise<string> {
  const result = await sandbox.exec(command, { timeoutMs });
  return `${result.stdout}${result.stderr}`;
}

const number = (output: string, label: string) => Number(new RegExp(`${label}-(\\d+)`).exec(output)?.[1] ?? NaN);

describe('a sandbox stops at its own limits', () => {
  it('memory: a process cannot allocate past the limit (and can below it)', async () => {
    const { sandbox } = await startSession(eve, 'Eve allocates');
    // (bash's report of a crashed command quotes the program, so only a line of its own counts.)
    expect(await run(sandbox, allocateMemory(64))).toMatch(/^allocated-64$/m);
    const over = await run(sandbox, allocateMemory(2 * (LIMITS.memoryBytes / MIB)));
    expect(over).not.toMatch(/^allocated-/m);
    expect(heldMebibytes(over) * MIB).toBeLessThan(LIMITS.memoryBytes);
  }, 120_000);

  it('/tmp: writing past its size fails with "no space", and the host keeps its memory', async () => {
    const { sandbox } = await startSession(eve, 'Eve fills /tmp');
    const output = await run(sandbox, fillFile('/tmp/fill.bin', 3 * (LIMITS.tmpBytes / MIB)));
    const wrote = number(output, 'wrote');
    expect(wrote, output).toBeGreaterThan(0);
    expect(wrote).toBeLessThanOrEqual(LIMITS.tmpBytes);
    expect(await run(sandbox, 'df -B1 --output=size /tmp | tail -1')).toMatch(new RegExp(`^\\s*${LIMITS.tmpBytes}\\s*$`));
  }, 120_000);

  it('workspace: four writers in parallel stop at the workspace size together', async () => {
    const { sandbox } = await startSession(eve, 'Eve fills the disk');
    const total = number(await run(sandbox, fillWorkspaceInParallel(4, LIMITS.workspaceBytes / MIB / 2)), 'total');
    expect(total).toBeGreaterThan(LIMITS.workspaceBytes / 2);
    expect(total).toBeLessThanOrEqual(LIMITS.workspaceBytes);
    expect(await run(sandbox, 'head -c 8M /dev/zero > one-more.bin')).toMatch(/No space left on device/);
  }, 120_000);
});

describe('the server never reads a sandbox’s big files whole', () => {
  it('files over the live limit are listed as too large, refused for editing, and never pulled into server memory', async () => {
    const { sessionId, sandbox } = await startSession(eve, 'Eve writes big files');
    const tab = connectPeer(shared.server.url, sessionId, eve.token);
    shared.peers.push(tab);
    await waitForSync(tab);
    const baseline = process.memoryUsage().arrayBuffers;
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().arrayBuffers)), 2);
    try {
      // Written in pieces, so the watcher sees each file grow, many times over.
      await run(sandbox, 'for i in 1 2 3; do for part in $(seq 32); do head -c 1048576 /dev/urandom >> big-$i.txt; done & done; wait');
      await waitFor(() => [1, 2, 3].every((index) => readFileInfo(tab.doc, `big-${index}.txt`)?.kind === 'too-large'), 'the big files as too large', 30_000);
    } finally {
      clearInterval(sampler);
    }
    expect(readFileInfo(tab.doc, 'big-1.txt')?.size).toBeGreaterThan(MAX_LIVE_FILE_BYTES);
    expect(await shared.api.call('POST', `/sessions/${sessionId}/files/open`, eve.token, { path: 'big-1.txt' })).toMatchObject({ status: 413 });
    // Reading one of them whole would have held 32 MiB at once; the server reads at most a live file's worth.
    expect(peak - baseline).toBeLessThan(16 * MIB);
  }, 120_000);
});

describe('files by the thousand', () => {
  it('are all listed in the tree, while the working set stays at its limit', async () => {
    const { sessionId, sandbox } = await startSession(eve, 'Eve makes many files');
    const tab = connectPeer(shared.server.url, sessionId, eve.token);
    shared.peers.push(tab);
    await waitForSync(tab);
    await run(sandbox, 'mkdir -p many && for i in $(seq 1000); do echo "file $i" > many/file-$i.txt; done');
    await waitFor(() => [...fileInfoMap(tab.doc).keys()].filter((path) => path.startsWith('many/')).length === 1000, 'all 1000 files in the tree', 60_000);
    expect(liveFilePaths(tab.doc).length).toBeLessThanOrEqual(MAX_LIVE_FILES);
    expect(readFileInfo(tab.doc, 'many/file-1000.txt')).toMatchObject({ kind: 'text', changedInSession: true });
    // One that is not live still opens for editing.
    expect((await shared.api.call('POST', `/sessions/${sessionId}/files/open`, eve.token, { path: 'many/file-999.txt' })).status).toBe(200);
  }, 120_000);
});

describe('one session’s floods leave everyone else responsive', () => {
  it('during a fork bomb, busy loops, memory hogs, full disks and a terminal output flood, another session echoes and /api/health answers', async () => {
    const bystanderSession = await shared.api.createSession(ada.token, 'Ada works', EXAMPLE_REPO);
    started.push(bystanderSession);
    const bystander = await openSessionShell(shared.server.url, bystanderSession, ada.token);
    shells.push(bystander);
    const attack = await startSession(eve, 'Eve floods everything');
    const attackerShell = await openSessionShell(shared.server.url, attack.sessionId, eve.token);
    shells.push(attackerShell);
    const healthMs = async () => {
      const started = performance.now();
      const response = await fetch(`${shared.server.url}/api/health`);
      expect(response.status).toBe(200);
      return performance.now() - started;
    };

    const quiet = { echo: [] as number[], health: [] as number[] };
    for (let round = 0; round < 5; round += 1) {
      quiet.echo.push(await bystander.echoMs());
      quiet.health.push(await healthMs());
    }

    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    attackerShell.type(`${TERMINAL_OUTPUT_FLOOD}\r`);
    const floods = attack.sandbox.spawn(BACKGROUND_FLOODS);
    const during = { echo: [] as number[], health: [] as number[] };
    try {
      await waitFor(() => attackerShell.output().length > 100_000, 'the output flood to be under way', 20_000);
      loopDelay.enable();
      const deadline = Date.now() + FLOOD_MS;
      while (Date.now() < deadline) {
        during.echo.push(await bystander.echoMs(BYSTANDER_ECHO_BOUND_MS * 5));
        during.health.push(await healthMs());
      }
    } finally {
      loopDelay.disable();
      attackerShell.type(INTERRUPT);
      floods.kill();
      await shared.server.runtime!.stop(attack.sessionId);
    }
    const worst = (values: number[]) => Math.max(...values);
    const median = (values: number[]) => [...values].sort((left, right) => left - right)[Math.floor(values.length / 2)]!;
    console.info(
      `bystander echo quiet median ${median(quiet.echo).toFixed(0)} ms, max ${worst(quiet.echo).toFixed(0)} ms; ` +
        `during the flood median ${median(during.echo).toFixed(0)} ms, max ${worst(during.echo).toFixed(0)} ms over ${during.echo.length} echoes; ` +
        `/api/health during the flood median ${median(during.health).toFixed(0)} ms, max ${worst(during.health).toFixed(0)} ms; ` +
        `server event loop delay p99 ${(loopDelay.percentile(99) / 1e6).toFixed(0)} ms, max ${(loopDelay.max / 1e6).toFixed(0)} ms; ` +
        `attacker's terminal output received ${(attackerShell.output().length / MIB).toFixed(0)} MiB`,
    );
    expect(during.echo.length).toBeGreaterThan(3);
    expect(worst(during.echo)).toBeLessThan(BYSTANDER_ECHO_BOUND_MS);
    expect(worst(during.health)).toBeLessThan(HEALTH_BOUND_MS);
    // And the bystander's shell still works normally afterwards.
    expect(await bystander.run('echo after-$((20+22))', /after-42/)).toContain('after-42');
  }, 180_000);
});
