import { rm } from 'node:fs/promises';
import { afterAll, beforeAll } from 'vitest';
import type { Config } from '../src/config.js';
import type { RunningServer, StartOptions } from '../src/server.js';
import type { IdentityResponse } from '@tandem/shared/protocol/http.js';
import { EXAMPLE_REPO } from './local-sandbox.js';
import { apiClient, connectPeer, makeTempDir, startTestServer, waitForSync, type TestPeer } from './test-server.js';

export interface ServerForFile {
  server: RunningServer;
  api: ReturnType<typeof apiClient>;
  /** Peers the tests open; destroyed after the file's tests. */
  peers: TestPeer[];
}

/**
 * Bound on starting a file's server: a fresh PGlite store plus a snapshot build take tens of seconds
 * when other suites share the CPU (more than the default hook timeout).
 */
export const SERVER_FOR_FILE_START_TIMEOUT_MS = 120_000;

/** One real server (real store, and sandboxes unless told otherwise) shared by the tests of a file. */
export function serverForFile(prefix: string, options: StartOptions = { sandboxes: true }, configure?: (config: Config) => Config): ServerForFile {
  const context = { peers: [] } as unknown as ServerForFile;
  let dataDir = '';
  beforeAll(async () => {
    dataDir = await makeTempDir(prefix);
    context.server = await startTestServer(dataDir, options, 0, configure);
    context.api = apiClient(context.server.url);
  }, SERVER_FOR_FILE_START_TIMEOUT_MS);
  afterAll(async () => {
    for (const peer of context.peers) peer.destroy();
    await context.server?.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  return context;
}

export interface SessionWithPeople {
  sessionId: string;
  /** The owner, an editor (joined by link) and a viewer (joined by link). */
  ada: IdentityResponse;
  bob: IdentityResponse;
  vic: IdentityResponse;
  /** A synced tab of the doc, opened as `watcher`. */
  tab: TestPeer;
}

/** Ada's new session on the bundled example, shared with Bob (editor) and Vic (viewer), watched from one tab. */
export async function sessionWithPeople(context: ServerForFile, title: string, watcher: 'ada' | 'bob' | 'vic' = 'ada'): Promise<SessionWithPeople> {
  const [ada, bob, vic] = await Promise.all(['Ada', 'Bob', 'Vic'].map((name) => context.api.identity(name))) as [IdentityResponse, IdentityResponse, IdentityResponse];
  const sessionId = await context.api.createSession(ada.token, title, EXAMPLE_REPO);
  await context.api.join(bob.token, (await context.api.share(ada.token, sessionId, 'editor')).token);
  await context.api.join(vic.token, (await context.api.share(ada.token, sessionId, 'viewer')).token);
  const tab = connectPeer(context.server.url, sessionId, { ada, bob, vic }[watcher].token);
  context.peers.push(tab);
  await waitForSync(tab);
  return { sessionId, ada, bob, vic, tab };
}
