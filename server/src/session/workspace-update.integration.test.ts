import { rm } from 'node:fs/promises';
import { commitFiles, git, makeGitRepo } from '../../test-support/git-repo.js';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readMeta, readTranscript } from '@tandem/shared/doc/accessors.js';
import type { UpdateWorkspaceResponse } from '@tandem/shared/protocol/http.js';
import type { RunningServer } from '../server.js';
import { SERVER_FOR_FILE_START_TIMEOUT_MS } from '../../test-support/server-per-file.js';
import { apiClient, connectPeer, makeTempDir, startTestServer, waitFor, waitForSync, type TestPeer } from '../../test-support/test-server.js';

/**
 * "Update to <commit>": a running session takes its repo's new commits in its own workspace, keeping
 * what its people changed; refused, changing nothing, for a viewer, a stale click, and an update that
 * would overwrite an uncommitted change.
 */

/** Long: within a test nothing but a session's own start can explain a rebuild. */
const REBUILD_INTERVAL_MS = 60 * 60_000;
const TEST_TIMEOUT_MS = 150_000;

let server: RunningServer;
let dataDir = '';
let reposDir = '';
const peers: TestPeer[] = [];

beforeAll(async () => {
  dataDir = await makeTempDir('workspace-update');
  reposDir = await makeTempDir('workspace-update-repos');
  server = await startTestServer(dataDir, { sandboxes: true }, 0, (config) => ({
    ...config,
    sandbox: { ...config.sandbox, warmPoolSize: 0, snapshotRebuildIntervalMs: REBUILD_INTERVAL_MS, repoRoots: [...config.sandbox.repoRoots, reposDir] },
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
  const run = async (command: string) => (await live.sandbox.exec(command, { timeoutMs: 30_000 })).stdout;
  return { sessionId, live, tab, run, meta: () => readMeta(tab.doc), notices: () => readTranscript(tab.doc).flatMap((entry) => (entry.kind === 'system-notice' ? [entry.text] : [])) };
}

/** A commit to the repo, and a new session's start that rebuilds its snapshot (which tells the running ones). */
async function moveRepo(token: string, repo: string, files: Record<string, string>, message: string): Promise<string> {
  const moved = await commitFiles(repo, files, message);
  await startSession(token, `After ${message}`, repo);
  return moved;
}

it('an editor updates a running workspace to the repo’s new commit: fast-forward, an uncommitted edit kept, the session told; a viewer and a stale click are refused', { timeout: TEST_TIMEOUT_MS }, async () => {
  const api = apiClient(server.url);
  const repo = await makeRepo('moving', { 'README.md': '# moving\n', 'lib.txt': 'one\n', 'package.json': '{"name":"moving"}\n' });
  const [ada, bob, vic] = await Promise.all(['Ada', 'Bob', 'Vic'].map((name) => api.identity(name)));
  const session = await startSession(ada!.token, 'Working', repo);
  await api.join(bob!.token, (await api.share(ada!.token, session.sessionId, 'editor')).token);
  await api.join(vic!.token, (await api.share(ada!.token, session.sessionId, 'viewer')).token);
  const started = git(repo, 'rev-parse', 'HEAD');
  // What the session's people did meanwhile: an uncommitted edit and a new file, neither touched by the update.
  await session.run('echo "# moving, edited in the session" > README.md && echo mine > notes.txt');

  const moved = await moveRepo(ada!.token, repo, { 'lib.txt': 'two\n', 'added.txt': 'from the repo\n', 'package.json': '{"name":"moving","version":"2.0.0"}\n' }, 'upstream work');
  await waitFor(() => session.meta().repoMoved?.commit === moved, 'the session to hear the repo moved');

  const update = (token: string, commit: string) => api.call<UpdateWorkspaceResponse & { error?: { message: string } }>('POST', `/sessions/${session.sessionId}/workspace/update`, token, { commit });
  expect(await update(vic!.token, moved)).toMatchObject({ status: 403 });
  expect(await update(bob!.token, started)).toMatchObject({ status: 409, body: { error: { message: expect.stringContaining('reload the page') } } });
  expect(await update(bob!.token, 'not-a-sha')).toMatchObject({ status: 400 });
  expect(await session.run('git rev-parse HEAD')).toBe(`${started}\n`);

  const answer = await update(bob!.token, moved);
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  expect(answer.body).toEqual({ outcome: 'fast-forward', commit: moved, changedFiles: 3, dependencyFiles: ['package.json'] });
  expect(await session.run('git rev-parse HEAD && cat lib.txt added.txt README.md notes.txt')).toBe(`${moved}\ntwo\nfrom the repo\n# moving, edited in the session\nmine\n`);
  // The session is told, and its page stops offering the update.
  await waitFor(() => session.meta().updatedTo?.commit === moved && session.meta().repoMoved === undefined, 'the session to show the update');
  expect(session.meta().updatedTo).toMatchObject({ byName: 'Bob' });
  expect(session.notices().at(-1)).toMatch(/^Bob updated the workspace to [0-9a-f]{7} \(moved forward, 3 files changed\)\. package\.json changed: the installed dependencies may be stale/);
  // Nothing more to update to.
  expect(await update(bob!.token, moved)).toMatchObject({ status: 409 });
});

it('an update that would overwrite an uncommitted change, or conflicts with the session’s commits, changes nothing and names the files; without a conflict it merges', { timeout: TEST_TIMEOUT_MS }, async () => {
  const api = apiClient(server.url);
  const repo = await makeRepo('contested', { 'shared.txt': 'base\n', 'other.txt': 'base\n' });
  const ada = await api.identity('Ada');
  const session = await startSession(ada.token, 'Contested', repo);
  await session.run('echo "session edit" > shared.txt');
  const moved = await moveRepo(ada.token, repo, { 'shared.txt': 'repo edit\n' }, 'repo edit');
  await waitFor(() => session.meta().repoMoved?.commit === moved, 'the session to hear the repo moved');
  const update = () => api.call<{ error: { message: string } }>('POST', `/sessions/${session.sessionId}/workspace/update`, ada.token, { commit: moved });

  const overwrite = await update();
  expect(overwrite).toMatchObject({ status: 409, body: { error: { message: expect.stringContaining('has not committed (shared.txt)') } } });
  expect(await session.run('cat shared.txt && git status --porcelain')).toBe('session edit\n M shared.txt\n');

  // Committed in the terminal, it conflicts with the repo's edit: the merge is undone.
  const committed = await session.run('git -c user.name=Ada -c user.email=ada@example.com commit -qam "session edit" && git rev-parse HEAD');
  const conflicted = await update();
  expect(conflicted).toMatchObject({ status: 409, body: { error: { message: expect.stringContaining("conflict with this session's commits in shared.txt") } } });
  expect(await session.run('cat shared.txt && git status --porcelain && git rev-parse HEAD')).toBe(`session edit\n${committed}`);

  // The session's commit on another file merges with the repo's.
  await session.run('git -c user.name=Ada -c user.email=ada@example.com reset -q --hard HEAD~1 && echo "session" > other.txt && git -c user.name=Ada -c user.email=ada@example.com commit -qam "other edit"');
  const merged = await api.call<UpdateWorkspaceResponse>('POST', `/sessions/${session.sessionId}/workspace/update`, ada.token, { commit: moved });
  expect(merged).toMatchObject({ status: 200, body: { outcome: 'merged', commit: moved, changedFiles: 1 } });
  // A merge commit (two parents), made by the person who asked, committed by Tandem.
  expect(await session.run('cat shared.txt other.txt && git log -1 --format="%an %cn" && git rev-list --parents -n 1 HEAD | wc -w')).toBe('repo edit\nsession\nAda Tandem\n3\n');
});
