import { rm } from 'node:fs/promises';
import { afterAll, beforeAll } from 'vitest';
import type { Config } from '../src/config.js';
import type { RunningServer, StartOptions } from '../src/server.js';
import { apiClient, makeTempDir, startTestServer, type TestPeer } from './test-server.js';

export interface ServerForFile {
  server: RunningServer;
  api: ReturnType<typeof apiClient>;
  /** Peers the tests open; destroyed after the file's tests. */
  peers: TestPeer[];
}

/** One real server (real store, and sandboxes unless told otherwise) shared by the tests of a file. */
export function serverForFile(prefix: string, options: StartOptions = { sandboxes: true }, configure?: (config: Config) => Config): ServerForFile {
  const context = { peers: [] } as unknown as ServerForFile;
  let dataDir = '';
  beforeAll(async () => {
    dataDir = await makeTempDir(prefix);
    context.server = await startTestServer(dataDir, options, 0, configure);
    context.api = apiClient(context.server.url);
  });
  afterAll(async () => {
    for (const peer of context.peers) peer.destroy();
    await context.server?.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  return context;
}
