import { rm } from 'node:fs/promises';
import { afterAll, expect, it } from 'vitest';
import { addPlanStep, readPlan, readTranscript } from '../../../shared/src/doc/accessors.js';
import { DocOrigin } from '../../../shared/src/doc/origins.js';
import type { RunningServer } from '../server.js';
import { apiClient, connectPeer, makeTempDir, startTestServer, waitFor, waitForSync, type TestPeer } from '../../test-support/test-server.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

it('keeps every edit across a server restart, including one made while the server was down', async () => {
  const dataDir = await makeTempDir('restart');
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
  let server: RunningServer = await startTestServer(dataDir);
  const port = server.port;
  const api = apiClient(server.url);
  const ada = await api.identity('Ada');
  const sessionId = await api.createSession(ada.token);

  const tab: TestPeer = connectPeer(server.url, sessionId, ada.token);
  cleanups.push(() => tab.destroy());
  await waitForSync(tab);
  for (let index = 0; index < 30; index += 1) addPlanStep(tab.doc, { id: `s${index}`, title: `Step ${index}` }, DocOrigin.User);
  await api.call('POST', `/sessions/${sessionId}/messages`, ada.token, { text: 'Before the restart' });
  await waitFor(() => readTranscript(tab.doc).length === 1, 'chat in tab');
  // Let the last plan edits reach the server before it stops.
  await waitFor(() => tab.provider.wsconnected, 'connected');
  await new Promise((resolve) => setTimeout(resolve, 100));

  await server.close();
  await waitFor(() => !tab.provider.wsconnected, 'tab notices the restart');
  addPlanStep(tab.doc, { id: 'offline', title: 'Written while the server was down' }, DocOrigin.User);

  server = await startTestServer(dataDir, {}, port);
  cleanups.push(() => server.close());
  await waitFor(() => tab.provider.wsconnected && tab.provider.synced, 'tab reconnects', 10_000);

  const fresh = connectPeer(server.url, sessionId, ada.token);
  cleanups.push(() => fresh.destroy());
  await waitForSync(fresh);
  await waitFor(() => readPlan(fresh.doc).length === 31, 'offline edit reaches the restarted server');
  expect(readPlan(fresh.doc).map((step) => step.id)).toEqual(readPlan(tab.doc).map((step) => step.id));
  expect(readTranscript(fresh.doc).map((entry) => entry.kind === 'user-message' && entry.text)).toEqual(['Before the restart']);
});
