import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { TandemServer } from '../../../test-support/server-process.js';
import { EXAMPLE_REPO } from '../../../test-support/local-sandbox.js';
import { apiClient } from '../../../test-support/test-server.js';
import { waitForAsync } from '../../../test-support/wait.js';
import { parseMountPoints } from './leftover-sandboxes.js';

/** Two server starts (PGlite, a snapshot build, warm sandboxes) on a loaded 2-core machine. */
const TEST_TIMEOUT_MS = 400_000;

const servers: TandemServer[] = [];
afterAll(async () => {
  for (const server of servers) await server.dispose();
});

/** Sandbox folders of this server that have something mounted in them now. */
async function mountedSandboxFolders(sandboxesDir: string): Promise<Set<string>> {
  const mountPoints = parseMountPoints(await readFile('/proc/self/mountinfo', 'utf8'));
  const folders = mountPoints.filter((mountPoint) => mountPoint.startsWith(`${sandboxesDir}/sbx_`)).map((mountPoint) => mountPoint.slice(sandboxesDir.length + 1).split('/')[0]!);
  return new Set(folders);
}

it('a server killed with -9 leaves mounts and workspaces behind; the next start takes them back', { timeout: TEST_TIMEOUT_MS }, async () => {
  const server = await TandemServer.create({ TANDEM_WARM_POOL_SIZE: '1' });
  servers.push(server);
  await server.start();
  const sandboxesDir = path.join(server.dataDir, 'sandboxes');
  const api = apiClient(server.url);
  const ada = await api.identity('Ada');
  const sessionId = await api.createSession(ada.token, 'Before the crash', EXAMPLE_REPO);
  // Opening a file boots the session's sandbox.
  expect((await api.call('POST', `/sessions/${sessionId}/files/open`, ada.token, { path: 'README.md' })).status).toBe(200);
  const before = await mountedSandboxFolders(sandboxesDir);
  expect(before.size).toBeGreaterThan(0);

  await server.kill();
  // Nothing cleaned up: the mounts and folders are still there.
  expect(await mountedSandboxFolders(sandboxesDir)).toEqual(before);

  await server.start();
  expect(server.log).toMatch(/reclaimed what an earlier run left: \d+ sandbox folders/);
  const after = await mountedSandboxFolders(sandboxesDir);
  for (const folder of before) {
    expect(after.has(folder)).toBe(false);
    expect(existsSync(path.join(sandboxesDir, folder))).toBe(false);
  }
  // And the server works as before: the session boots a new sandbox with the repo in it.
  expect((await api.call('POST', `/sessions/${sessionId}/files/open`, ada.token, { path: 'README.md' })).status).toBe(200);
  await waitForAsync(async () => (await mountedSandboxFolders(sandboxesDir)).size > 0, 'a new sandbox to be mounted');
});
