import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { addPlanStep, readPlan, readTranscript } from '@tandem/shared/doc/accessors.js';
import { personOrigin } from '@tandem/shared/doc/origins.js';
import type { RunningServer } from '../server.js';
import { apiClient, connectPeer, makeTempDir, startTestServer, waitFor, waitForSync, type TestPeer } from '../../test-support/test-server.js';
import { connectSyncedPeer } from '../../test-support/wait.js';

/** A person writing from their own tab. */
const AS_PERSON = personOrigin({ id: 'u_person', name: 'A person' });

// One data dir for the file (a fresh PGlite store takes seconds to create); each test has its own session.
const SERVER_START_TIMEOUT_MS = 120_000;
const RESTART_TEST_TIMEOUT_MS = 60_000;
let dataDir = '';
let port = 0;
let server: RunningServer | null = null;
const peers: TestPeer[] = [];
beforeAll(async () => {
  dataDir = await makeTempDir('restart');
  server = await startTestServer(dataDir);
  port = server.port;
}, SERVER_START_TIMEOUT_MS);
afterAll(async () => {
  for (const peer of peers) peer.destroy();
  await server?.close();
  await rm(dataDir, { recursive: true, force: true });
});

/** Stops the server as an operator would (it saves every session) and brings it back on the same port. */
const restart = {
  async stop() {
    await server?.close();
    server = null;
  },
  async start() {
    server = await startTestServer(dataDir, {}, port);
  },
};

/** Ada's new session, and two ways to look at it. */
async function adasSession() {
  const url = `http://127.0.0.1:${port}`;
  const api = apiClient(url);
  const ada = await api.identity('Ada');
  const sessionId = await api.createSession(ada.token);
  const track = (peer: TestPeer) => {
    peers.push(peer);
    return peer;
  };
  return {
    api,
    ada,
    sessionId,
    /** A tab that stays open across restarts (it reconnects, as a browser tab does). */
    tab: () => track(connectPeer(url, sessionId, ada.token)),
    /** A new synced tab: everything it shows, it got from the server. */
    freshTab: async () => track(await connectSyncedPeer(url, sessionId, ada.token)),
  };
}

const planIds = (peer: TestPeer) => readPlan(peer.doc).map((step) => step.id);
const STEP_IDS = Array.from({ length: 30 }, (_, index) => `s${index}`);

it('keeps every edit across a server restart, with no tab left open to re-send it', { timeout: RESTART_TEST_TIMEOUT_MS }, async () => {
  const session = await adasSession();
  const tab = session.tab();
  await waitForSync(tab);
  for (const id of STEP_IDS) addPlanStep(tab.doc, { id, title: `Step ${id}` }, AS_PERSON);
  await session.api.call('POST', `/sessions/${session.sessionId}/messages`, session.ada.token, { text: 'Before the restart' });
  // A second tab sees the edits only once the server has them; then every tab that holds them closes.
  const witness = await session.freshTab();
  await waitFor(() => planIds(witness).length === STEP_IDS.length && readTranscript(witness.doc).length === 1, 'the server to have every edit');
  tab.destroy();
  witness.destroy();

  await restart.stop();
  await restart.start();

  // Only the store can have brought these back.
  const fresh = await session.freshTab();
  expect(planIds(fresh)).toEqual(STEP_IDS);
  expect(readTranscript(fresh.doc).map((entry) => entry.kind === 'user-message' && entry.text)).toEqual(['Before the restart']);
});

it('an edit made while the server was down is sent when the tab reconnects, and kept', { timeout: RESTART_TEST_TIMEOUT_MS }, async () => {
  const session = await adasSession();
  const tab = session.tab();
  await waitForSync(tab);
  addPlanStep(tab.doc, { id: 'online', title: 'Written while the server was up' }, AS_PERSON);
  const witness = await session.freshTab();
  await waitFor(() => planIds(witness).includes('online'), 'the server to have the first edit');
  witness.destroy();

  await restart.stop();
  await waitFor(() => !tab.provider.wsconnected, 'the tab to notice the server is gone');
  addPlanStep(tab.doc, { id: 'offline', title: 'Written while the server was down' }, AS_PERSON);
  await restart.start();
  await waitFor(() => tab.provider.wsconnected && tab.provider.synced, 'the tab to reconnect', 10_000);

  // The reconnected tab re-sent its offline edit: a new tab sees it.
  const afterReconnect = await session.freshTab();
  await waitFor(() => planIds(afterReconnect).includes('offline'), 'the offline edit to reach the restarted server');
  expect(planIds(afterReconnect)).toEqual(['online', 'offline']);
  tab.destroy();
  afterReconnect.destroy();

  // And the server stored it: after one more restart, with every tab closed, it is still there.
  await restart.stop();
  await restart.start();
  const fresh = await session.freshTab();
  expect(planIds(fresh)).toEqual(['online', 'offline']);
});
