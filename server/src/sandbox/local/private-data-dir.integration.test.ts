import { rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readMeta } from '@tandem/shared/doc/accessors.js';
import { EXAMPLE_REPO } from '../../../test-support/local-sandbox.js';
import { SERVER_FOR_FILE_START_TIMEOUT_MS } from '../../../test-support/server-per-file.js';
import { apiClient, connectPeer, makeTempDir, startTestServer, waitFor, waitForSync, type TestPeer } from '../../../test-support/test-server.js';
import type { RunningServer } from '../../server.js';
import { SYSTEM_SANDBOX_BASE } from './sandbox-root.js';

/** Boot plus snapshot on a busy 2-core machine. */
const SANDBOX_READY_TIMEOUT_MS = 90_000;

// A checkout in a private home folder (0700, as /root is): the data dir beneath it is out of reach of
// every sandbox uid, so the trees sandboxes mount must live somewhere they can reach.
let privateHome = '';
let server: RunningServer;
const peers: TestPeer[] = [];

beforeAll(async () => {
  privateHome = await makeTempDir('private-home');
  expect((await stat(privateHome)).mode & 0o777).toBe(0o700);
  // /var/lib is an allowed repo root here, so only the sandbox folder's protection can refuse a repo in it.
  server = await startTestServer(path.join(privateHome, 'checkout', '.tandem-data'), { sandboxes: true }, 0, (config) => ({
    ...config,
    sandbox: { ...config.sandbox, repoRoots: [...config.sandbox.repoRoots, path.dirname(SYSTEM_SANDBOX_BASE)] },
  }));
}, SERVER_FOR_FILE_START_TIMEOUT_MS);

afterAll(async () => {
  for (const peer of peers) peer.destroy();
  const sandboxDir = server?.sandboxDir;
  await server?.close();
  if (sandboxDir) await rm(sandboxDir, { recursive: true, force: true });
  await rm(privateHome, { recursive: true, force: true });
});

it.skipIf(process.getuid?.() !== 0)('a data dir under a private folder still boots sandboxes that run commands in the workspace', async () => {
  const api = apiClient(server.url);
  const ada = await api.identity('Ada');
  const sessionId = await api.createSession(ada.token, 'From a private home', EXAMPLE_REPO);
  const tab = connectPeer(server.url, sessionId, ada.token);
  peers.push(tab);
  await waitForSync(tab);
  await waitFor(() => ['ready', 'failed'].includes(readMeta(tab.doc).sandboxState), 'the sandbox to start or fail', SANDBOX_READY_TIMEOUT_MS);
  expect(readMeta(tab.doc), readMeta(tab.doc).sandboxMessage).toMatchObject({ sandboxState: 'ready' });

  const live = await server.runtime!.ensureStarted(sessionId);
  const result = await live.sandbox.exec('id -u && cat package.json');
  expect(result.exitCode, result.stderr).toBe(0);
  const [uid] = result.stdout.split('\n');
  expect(Number(uid)).toBeGreaterThan(0);
  expect(result.stdout).toContain('"name"');
  // The mounted trees sit outside the private folder, and the store stays inside it.
  expect(server.sandboxDir).toBeTruthy();
  expect(server.sandboxDir!.startsWith(privateHome)).toBe(false);
  // Like the data dir, the sandbox folder (every session's workspace) is never a repo.
  const refused = await api.call<{ error: { message: string } }>('POST', '/sessions', ada.token, { title: 'Nosy', repo: path.join(server.sandboxDir!, 'sandboxes', 'other') });
  expect(refused.status).toBe(400);
  expect(refused.body.error.message).toContain(`lies inside Tandem's data dir (${server.sandboxDir!}:`);
}, SANDBOX_READY_TIMEOUT_MS + 30_000);
