import { afterAll, beforeAll, expect, it } from 'vitest';
import { addPlanStep, readPlan } from '@tandem/shared/doc/accessors.js';
import { personOrigin } from '@tandem/shared/doc/origins.js';
import type { RunningServer } from '../server.js';
import { apiClient, connectPeer, openTempDatabase, startTestServer, waitFor, waitForSync, type TestPeer } from '../../test-support/test-server.js';
import { createInProcessFanoutBus } from './fanout.js';

/** A person writing from their own tab. */
const AS_PERSON = personOrigin({ id: 'u_person', name: 'A person' });

let store: Awaited<ReturnType<typeof openTempDatabase>>;
let nodeA: RunningServer;
let nodeB: RunningServer;
const peers: TestPeer[] = [];

beforeAll(async () => {
  store = await openTempDatabase();
  const bus = createInProcessFanoutBus();
  nodeA = await startTestServer(store.dataDir, { database: store.database, fanout: bus.join() });
  nodeB = await startTestServer(store.dataDir, { database: store.database, fanout: bus.join() });
});
afterAll(async () => {
  for (const peer of peers) peer.destroy();
  await nodeA.close();
  await nodeB.close();
  await store.dispose();
});

it('two nodes on one fan-out serve one session: an edit on one reaches tabs on the other', async () => {
  const api = apiClient(nodeA.url);
  const ada = await api.identity('Ada');
  const sessionId = await api.createSession(ada.token);
  const onA = connectPeer(nodeA.url, sessionId, ada.token);
  const onB = connectPeer(nodeB.url, sessionId, ada.token);
  peers.push(onA, onB);
  await Promise.all([waitForSync(onA), waitForSync(onB)]);
  addPlanStep(onA.doc, { id: 'x', title: 'From node A' }, AS_PERSON);
  await waitFor(() => readPlan(onB.doc).length === 1, 'update relayed to node B');
  addPlanStep(onB.doc, { id: 'y', title: 'From node B' }, AS_PERSON);
  await waitFor(() => readPlan(onA.doc).length === 2, 'update relayed to node A');
  expect(readPlan(onA.doc).map((step) => step.title)).toEqual(readPlan(onB.doc).map((step) => step.title));
});
