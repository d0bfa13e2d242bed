import { chmod, rm } from 'node:fs/promises';
import { commitFiles, git, makeGitRepo } from '../../test-support/git-repo.js';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readMeta, readTranscript } from '@tandem/shared/doc/accessors.js';
import type { RunningServer } from '../server.js';
import { SERVER_FOR_FILE_START_TIMEOUT_MS } from '../../test-support/server-per-file.js';
import { apiClient, connectPeer, makeTempDir, startTestServer, waitFor, waitForSync, type TestPeer } from '../../test-support/test-server.js';

/** Long: within a test nothing but a session's own start can explain a rebuild. */
const REBUILD_INTERVAL_MS = 60 * 60_000;
const TEST_TIMEOUT_MS = 120_000;

let server: RunningServer;
let dataDir = '';
let reposDir = '';
const peers: TestPeer[] = [];
/** Everything the server logged as an error: the message and whether an error (with its stack) came with it. */
const errorLines: { message: string; error: unknown }[] = [];

beforeAll(async () => {
  dataDir = await makeTempDir('snapshot-freshness');
  reposDir = await makeTempDir('snapshot-freshness-repos');
  server = await startTestServer(dataDir, { sandboxes: true, logger: { error: (message, error) => void errorLines.push({ message, error }) } }, 0, (config) => ({
    ...config,
    sandbox: { ...config.sandbox, warmPoolSize: 1, snapshotRebuildIntervalMs: REBUILD_INTERVAL_MS, repoRoots: [...config.sandbox.repoRoots, reposDir] },
  }));
}, SERVER_FOR_FILE_START_TIMEOUT_MS);
afterAll(async () => {
  for (const peer of peers) peer.destroy();
  await server?.close();
  await rm(dataDir, { recursive: true, force: true });
  await rm(reposDir, { recursive: true, force: true });
});

const makeRepo = (name: string, files: Record<string, string>) => makeGitRepo(path.join(reposDir, name), files);

async function startSession(token: string, title: string, repo: string) {
  const api = apiClient(server.url);
  const sessionId = await api.createSession(token, title, repo);
  const live = await server.runtime!.ensureStarted(sessionId);
  const tab = connectPeer(server.url, sessionId, token);
  peers.push(tab);
  await waitForSync(tab);
  return { sessionId, live, tab, meta: () => readMeta(tab.doc), notices: () => readTranscript(tab.doc).flatMap((entry) => (entry.kind === 'system-notice' ? [entry] : [])) };
}

it('a commit to a local repo reaches the next session at once: its start waits for the new snapshot and says so; the running one is told', { timeout: TEST_TIMEOUT_MS }, async () => {
  const repo = await makeRepo('moving', { 'README.md': '# moving\n' });
  const ada = await apiClient(server.url).identity('Ada');
  const first = await startSession(ada.token, 'Before the commit', repo);
  const firstCommit = git(repo, 'rev-parse', 'HEAD');
  expect(first.meta().startedFrom).toMatchObject({ commit: firstCommit });
  expect(first.meta().snapshotUpdate).toBeUndefined();
  // The warm pool holds a sandbox of the old snapshot: it must not be the one the next session gets.
  await server.runtime!.warmPoolSettled();

  const moved = await commitFiles(repo, { 'added.txt': 'from the new commit\n' }, 'add a file');
  const second = await startSession(ada.token, 'Right after the commit', repo);
  expect((await second.live.sandbox.exec('cat added.txt')).stdout).toBe('from the new commit\n');
  expect(second.meta().startedFrom).toMatchObject({ commit: moved });
  expect(second.meta().snapshotUpdate).toMatchObject({ commit: moved, sinceBuiltAtMs: first.meta().startedFrom!.snapshotBuiltAtMs });
  expect(second.meta().timings.snapshotReadyAt).toBeDefined();

  // The running session is told where new sessions start now; its own workspace stays as it was.
  await waitFor(() => first.meta().repoMoved?.commit === moved, 'the first session to hear the repo moved');
  expect(first.notices().map((entry) => entry.text)).toContain(`The repo has moved to ${moved.slice(0, 7)} since this session started; new sessions start from it.`);
  expect((await first.live.sandbox.exec('test -e added.txt')).exitCode).not.toBe(0);
});

it('a rebuild whose setup starts failing keeps the old snapshot: the sessions on it see what failed and the log tail, the server logs one line without a stack', { timeout: TEST_TIMEOUT_MS }, async () => {
  const repo = await makeRepo('breaking', { 'README.md': '# breaking\n', '.tandem/setup.sh': 'echo preparing\n' });
  await chmod(path.join(repo, '.tandem/setup.sh'), 0o755);
  const ada = await apiClient(server.url).identity('Ada');
  const running = await startSession(ada.token, 'On the good snapshot', repo);
  const goodBuiltAtMs = running.meta().startedFrom!.snapshotBuiltAtMs;
  errorLines.length = 0;

  const broken = await commitFiles(repo, { '.tandem/setup.sh': 'echo installing dependencies\necho "npm ERR! 404 Not Found: left-pad@9.9.9" >&2\nexit 3\n' }, 'break the setup');
  const next = await startSession(ada.token, 'After the setup broke', repo);

  // The new session runs on the last good snapshot, and says so.
  expect(next.meta().sandboxState).toBe('ready');
  expect(next.meta().startedFrom).toMatchObject({ snapshotBuiltAtMs: goodBuiltAtMs });
  for (const session of [running, next]) {
    await waitFor(() => session.meta().snapshotFailure !== undefined, 'the failure in the session');
    const failure = session.meta().snapshotFailure!;
    expect(failure).toMatchObject({ summary: '.tandem/setup.sh failed (exit 3)', commit: broken, runningOnBuiltAtMs: goodBuiltAtMs });
    expect(failure.logTail).toContain('npm ERR! 404 Not Found: left-pad@9.9.9');
    expect(failure.logTail).toContain('installing dependencies');
    const notice = session.notices().find((entry) => entry.text.startsWith('The snapshot rebuild'));
    expect(notice?.text).toContain(`The snapshot rebuild at ${broken.slice(0, 7)} failed: .tandem/setup.sh failed (exit 3). This session runs on the snapshot of `);
    expect(notice?.level).toBe('warning');
  }

  // One line in the server log, no stack.
  const rebuildLines = errorLines.filter((line) => line.message.includes('snapshot rebuild'));
  expect(rebuildLines).toHaveLength(1);
  expect(rebuildLines[0]!.error).toBeUndefined();
  expect(rebuildLines[0]!.message).not.toContain('\n');
  expect(rebuildLines[0]!.message).toMatch(new RegExp(`^snapshot rebuild of ${repo} at ${broken.slice(0, 12)} failed: .tandem/setup.sh failed \\(exit 3\\); keeping the snapshot of `));
  expect(errorLines.filter((line) => line.error !== undefined)).toEqual([]);

  // Fixed and committed: the next session starts from it, and the failure leaves the running session.
  const fixed = await commitFiles(repo, { '.tandem/setup.sh': 'echo fixed\n' }, 'fix the setup');
  const after = await startSession(ada.token, 'After the fix', repo);
  expect(after.meta().startedFrom).toMatchObject({ commit: fixed });
  expect(after.meta().snapshotFailure).toBeUndefined();
  await waitFor(() => running.meta().snapshotFailure === undefined && running.meta().repoMoved?.commit === fixed, 'the running session to hear of the fix');
});

it('a first build that fails (no older snapshot to run on) fails the session saying what failed, the log tail and what to do, in one log line', { timeout: TEST_TIMEOUT_MS }, async () => {
  const repo = await makeRepo('never-built', { 'README.md': '# never built\n', '.tandem/setup.sh': 'echo "fetching toolchain"\necho "curl: (6) Could not resolve host" >&2\nexit 7\n' });
  const ada = await apiClient(server.url).identity('Ada');
  const sessionId = await apiClient(server.url).createSession(ada.token, 'Never built', repo);
  errorLines.length = 0;
  await expect(server.runtime!.ensureStarted(sessionId)).rejects.toThrow('.tandem/setup.sh failed (exit 7)');
  const tab = connectPeer(server.url, sessionId, ada.token);
  peers.push(tab);
  await waitForSync(tab);
  await waitFor(() => readMeta(tab.doc).sandboxState === 'failed', 'the session to show the failure');
  expect(readMeta(tab.doc).sandboxMessage).toContain('curl: (6) Could not resolve host');
  const notice = readTranscript(tab.doc).find((entry) => entry.kind === 'system-notice' && entry.level === 'error');
  expect(notice && 'text' in notice ? notice.text : '').toMatch(/Once the repo or its \.tandem\/setup\.sh is fixed, an editor can press Try again/);
  expect(errorLines).toEqual([{ message: `session ${sessionId}: sandbox failed to start: .tandem/setup.sh failed (exit 7)`, error: undefined }]);
});
