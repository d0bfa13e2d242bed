import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readFileInfo } from '@tandem/shared/doc/accessors.js';
import type { ChangesResponse } from '@tandem/shared/protocol/http.js';
import type { RunningServer } from '../server.js';
import type { SnapshotRef } from './provider.js';
import { EXAMPLE_REPO } from '../../test-support/local-sandbox.js';
import { SERVER_FOR_FILE_START_TIMEOUT_MS } from '../../test-support/server-per-file.js';
import { apiClient, connectPeer, makeTempDir, startTestServer, waitForSync, type TestPeer } from '../../test-support/test-server.js';
import { waitForAsync } from '../../test-support/wait.js';
import { currentCommit } from './local/snapshots.js';
import { decideSnapshotRebuild } from './snapshot-manager.js';

/** Rebuilt every few seconds (checked twice as often), so a short test sees several rebuilds. */
const REBUILD_INTERVAL_MS = 3_000;
const REBUILDS_TO_SEE = 3;
/** Three rebuilds (each a copy, the example's setup script and a warm pool refill) on a loaded 2-core machine. */
const TEST_TIMEOUT_MS = 150_000;

let server: RunningServer;
let dataDir = '';
const peers: TestPeer[] = [];
beforeAll(async () => {
  dataDir = await makeTempDir('snapshot-rebuild');
  server = await startTestServer(dataDir, { sandboxes: true }, 0, (config) => ({ ...config, sandbox: { ...config.sandbox, snapshotRebuildIntervalMs: REBUILD_INTERVAL_MS } }));
}, SERVER_FOR_FILE_START_TIMEOUT_MS);
afterAll(async () => {
  for (const peer of peers) peer.destroy();
  await server?.close();
  await rm(dataDir, { recursive: true, force: true });
});

/** The snapshots on disk now (a folder each; one being built has no stamp yet but is listed too). */
const snapshotDirs = async () => (await readdir(path.join(dataDir, 'snapshots')).catch(() => [] as string[])).filter((name) => name.startsWith('snap_'));

it('a session keeps its workspace across several snapshot rebuilds, and snapshots nothing uses are deleted', { timeout: TEST_TIMEOUT_MS }, async () => {
  const api = apiClient(server.url);
  const ada = await api.identity('Ada');
  const sessionId = await api.createSession(ada.token, 'Across rebuilds', EXAMPLE_REPO);
  const live = await server.runtime!.ensureStarted(sessionId);
  await live.files;
  const [base] = await snapshotDirs();
  expect(base).toBeDefined();
  const countFiles = async () => (await live.sandbox.exec('ls -A | wc -l')).stdout.trim();
  const repoFiles = await countFiles();
  expect(Number(repoFiles)).toBeGreaterThan(3);
  expect((await live.sandbox.exec('echo made-before-the-rebuilds > kept.txt')).exitCode).toBe(0);
  const filesBefore = await countFiles();

  // Every snapshot the server builds, as it builds them.
  const seen = new Set<string>([base!]);
  await waitForAsync(
    async () => {
      for (const id of await snapshotDirs()) seen.add(id);
      return seen.size > REBUILDS_TO_SEE;
    },
    `${REBUILDS_TO_SEE} snapshot rebuilds`,
    TEST_TIMEOUT_MS - 30_000,
  );

  // The session still works on the tree it started from: nothing vanished, nothing shows as added.
  expect(await countFiles()).toBe(filesBefore);
  expect((await live.sandbox.exec('cat kept.txt README.md')).stdout).toMatch(/^made-before-the-rebuilds\n# /);
  const changes = await api.call<ChangesResponse>('GET', `/sessions/${sessionId}/changes`, ada.token);
  expect(changes.body.changes.map((change) => `${change.status} ${change.path}`)).toEqual(['added kept.txt']);
  const tab = connectPeer(server.url, sessionId, ada.token);
  peers.push(tab);
  await waitForSync(tab);
  expect(readFileInfo(tab.doc, 'README.md')).toBeDefined();
  // The base it sits on is kept; rebuilt snapshots nothing mounts any more are deleted.
  const remaining = await snapshotDirs();
  expect(remaining).toContain(base);
  const [firstRebuild] = [...seen].filter((id) => id !== base).sort();
  await waitForAsync(async () => !(await snapshotDirs()).includes(firstRebuild!), 'the first rebuilt snapshot, replaced and unused, to be deleted', 30_000);

  // A new session starts from a current snapshot, whole.
  const next = await api.createSession(ada.token, 'After the rebuilds', EXAMPLE_REPO);
  const nextLive = await server.runtime!.ensureStarted(next);
  expect((await nextLive.sandbox.exec('ls -A | wc -l')).stdout.trim()).toBe(repoFiles);
});

it('a copied folder inside a git checkout is not seen as moved: its stamp records the commit the check reads', async () => {
  // Any finished snapshot (one being rebuilt right now has no stamp yet).
  const stamps = await Promise.all((await snapshotDirs()).map((id) => readFile(path.join(dataDir, 'snapshots', id, 'stamp.json'), 'utf8').catch(() => null)));
  const stamp = stamps.find((text) => text !== null);
  expect(stamp).toBeDefined();
  const snapshot = JSON.parse(stamp!) as SnapshotRef;
  expect(decideSnapshotRebuild({ snapshot, headCommit: await currentCommit(EXAMPLE_REPO), nowMs: snapshot.builtAtMs, rebuildIntervalMs: 60_000 })).toBeNull();
});
