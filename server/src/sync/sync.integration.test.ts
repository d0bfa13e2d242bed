import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addPlanStep, readMeta, readPlan, readTranscript, updatePlanStep } from '@tandem/shared/doc/accessors.js';
import { personOrigin } from '@tandem/shared/doc/origins.js';
import { CloseCode } from '@tandem/shared/protocol/errors.js';
import { MAX_SYNC_MESSAGE_BYTES } from '@tandem/shared/limits.js';
import type { RunningServer } from '../server.js';
import {
  apiClient,
  connectPeer,
  openTempDatabase,
  startTestServer,
  waitFor,
  waitForSync,
  type TestPeer,
} from '../../test-support/test-server.js';

/** A person writing from their own tab. */
const AS_PERSON = personOrigin({ id: 'u_person', name: 'A person' });

let store: Awaited<ReturnType<typeof openTempDatabase>>;
let server: RunningServer;
let api: ReturnType<typeof apiClient>;
const peers: TestPeer[] = [];

function peer(sessionId: string, token: string | undefined): TestPeer {
  const created = connectPeer(server.url, sessionId, token);
  peers.push(created);
  return created;
}

/** Opens a raw socket (no y-websocket client) and resolves with the close code the server sends. */
function rawSocket(path: string): { socket: WebSocket; closed: Promise<number>; opened: Promise<void> } {
  const socket = new WebSocket(`${server.url.replace(/^http/, 'ws')}${path}`);
  const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
  const opened = new Promise<void>((resolve) => socket.on('open', () => resolve()));
  return { socket, closed, opened };
}

beforeAll(async () => {
  store = await openTempDatabase();
  server = await startTestServer(store.dataDir, { database: store.database });
  api = apiClient(server.url);
});

afterAll(async () => {
  for (const created of peers) created.destroy();
  await server.close();
  await store.dispose();
});

describe('/sync with the stock y-websocket client', () => {
  it('gives a new peer the session meta the server wrote on create', async () => {
    const ada = await api.identity('Ada');
    const sessionId = await api.createSession(ada.token, 'Tidy the parser');
    const tab = peer(sessionId, ada.token);
    await waitForSync(tab);
    expect(readMeta(tab.doc)).toMatchObject({ title: 'Tidy the parser', ownerName: 'Ada', status: 'idle' });
  });

  it('shows a plan step added and renamed in one tab in the other, with presence both ways', async () => {
    const ada = await api.identity('Ada');
    const bob = await api.identity('Bob');
    const sessionId = await api.createSession(ada.token);
    const link = await api.share(ada.token, sessionId, 'editor');
    expect((await api.join(bob.token, link.token)).status).toBe(200);

    const adaTab = peer(sessionId, ada.token);
    const bobTab = peer(sessionId, bob.token);
    await Promise.all([waitForSync(adaTab), waitForSync(bobTab)]);

    adaTab.provider.awareness.setLocalState({ user: ada.user });
    bobTab.provider.awareness.setLocalState({ user: bob.user });
    const names = (tab: TestPeer) =>
      [...tab.provider.awareness.getStates().values()].map((state) => (state as { user?: { name: string } }).user?.name);
    await waitFor(() => names(adaTab).includes('Bob') && names(bobTab).includes('Ada'), 'presence');

    addPlanStep(adaTab.doc, { id: 'step-1', title: 'Reproduce the failure' }, AS_PERSON);
    await waitFor(() => readPlan(bobTab.doc).length === 1, 'plan step in second tab');
    updatePlanStep(bobTab.doc, 'step-1', { title: 'Reproduce the failing test' }, AS_PERSON);
    await waitFor(() => readPlan(adaTab.doc)[0]?.title === 'Reproduce the failing test', 'rename in first tab');
  });

  it('refuses a viewer’s updates and keeps the doc as it was', async () => {
    const ada = await api.identity('Ada');
    const vic = await api.identity('Vic');
    const sessionId = await api.createSession(ada.token);
    const link = await api.share(ada.token, sessionId, 'viewer');
    await api.join(vic.token, link.token);

    const owner = peer(sessionId, ada.token);
    const viewer = peer(sessionId, vic.token);
    await Promise.all([waitForSync(owner), waitForSync(viewer)]);
    addPlanStep(viewer.doc, { id: 'sneaky', title: 'Viewer edit' }, AS_PERSON);
    addPlanStep(owner.doc, { id: 'real', title: 'Owner edit' }, AS_PERSON);
    await waitFor(() => readPlan(viewer.doc).some((step) => step.id === 'real'), 'owner edit reaches viewer');

    const fresh = peer(sessionId, ada.token);
    await waitForSync(fresh);
    expect(readPlan(fresh.doc).map((step) => step.id)).toEqual(['real']);
    expect(readPlan(owner.doc).map((step) => step.id)).toEqual(['real']);
  });

  it('closes with named codes for an unknown session, a missing token, a forged token and a stranger', async () => {
    const ada = await api.identity('Ada');
    const eve = await api.identity('Eve');
    const sessionId = await api.createSession(ada.token);

    expect(await rawSocket(`/sync/s_nope?token=${ada.token}`).closed).toBe(CloseCode.SessionNotFound);
    expect(await rawSocket(`/sync/${sessionId}`).closed).toBe(CloseCode.Unauthenticated);
    const forged = `${ada.token.split('.')[0]}.${Buffer.from('forged-signature-of-32-bytes!!!!').toString('base64url')}`;
    expect(await rawSocket(`/sync/${sessionId}?token=${forged}`).closed).toBe(CloseCode.Unauthenticated);
    expect(await rawSocket(`/sync/${sessionId}?token=${eve.token}`).closed).toBe(CloseCode.Forbidden);
  });

  it('closes a connection that sends garbage or an oversized frame, and stays up with the doc intact', async () => {
    const ada = await api.identity('Ada');
    const sessionId = await api.createSession(ada.token);
    const owner = peer(sessionId, ada.token);
    await waitForSync(owner);
    addPlanStep(owner.doc, { id: 'kept', title: 'Kept step' }, AS_PERSON);

    const garbage = rawSocket(`/sync/${sessionId}?token=${ada.token}`);
    await garbage.opened;
    garbage.socket.send(Buffer.from([0x00, 0x02, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01, 0x02]));
    expect(await garbage.closed).toBe(CloseCode.ProtocolError);

    const badUpdate = rawSocket(`/sync/${sessionId}?token=${ada.token}`);
    await badUpdate.opened;
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, 0);
    syncProtocol.writeUpdate(encoder, new Uint8Array([7, 7, 7, 7, 7, 7, 7, 7]));
    badUpdate.socket.send(encoding.toUint8Array(encoder));
    expect(await badUpdate.closed).toBe(CloseCode.ProtocolError);

    const text = rawSocket(`/sync/${sessionId}?token=${ada.token}`);
    await text.opened;
    text.socket.send('hello');
    expect(await text.closed).toBe(CloseCode.ProtocolError);

    const huge = rawSocket(`/sync/${sessionId}?token=${ada.token}`);
    await huge.opened;
    huge.socket.send(Buffer.alloc(MAX_SYNC_MESSAGE_BYTES + 1));
    expect(await huge.closed).toBe(CloseCode.MessageTooBig);

    const fresh = peer(sessionId, ada.token);
    await waitForSync(fresh);
    expect(readPlan(fresh.doc).map((step) => step.title)).toEqual(['Kept step']);
    expect((await fetch(`${server.url}/api/health`)).status).toBe(200);
  });

  it('refuses presence that claims another person’s identity', async () => {
    const ada = await api.identity('Ada');
    const sessionId = await api.createSession(ada.token);
    const tab = peer(sessionId, ada.token);
    await waitForSync(tab);
    tab.provider.awareness.setLocalState({ user: { id: 'u_someoneelse0000000000', name: 'Mallory', color: '#e5484d' } });
    await waitFor(() => tab.closeCodes.includes(CloseCode.ProtocolError), 'protocol error close');
  });

  it('closes the open connections of a revoked link, and that person cannot reconnect', async () => {
    const ada = await api.identity('Ada');
    const bob = await api.identity('Bob');
    const sessionId = await api.createSession(ada.token);
    const link = await api.share(ada.token, sessionId, 'editor');
    await api.join(bob.token, link.token);
    const bobTab = peer(sessionId, bob.token);
    await waitForSync(bobTab);

    const revoked = await api.call('DELETE', `/sessions/${sessionId}/links/${link.id}`, ada.token);
    expect(revoked.status).toBe(200);
    await waitFor(() => bobTab.closeCodes.includes(CloseCode.AccessRevoked), 'revocation close');
    expect(await rawSocket(`/sync/${sessionId}?token=${bob.token}`).closed).toBe(CloseCode.Forbidden);
  });

  it('converges an edit made by a server-side change with every open tab', async () => {
    const ada = await api.identity('Ada');
    const sessionId = await api.createSession(ada.token);
    const tab = peer(sessionId, ada.token);
    await waitForSync(tab);
    const posted = await api.call('POST', `/sessions/${sessionId}/messages`, ada.token, { text: 'Hello, team' });
    expect(posted.status).toBe(201);
    await waitFor(() => readTranscript(tab.doc).length === 1, 'chat message');
    expect(readTranscript(tab.doc)[0]).toMatchObject({ kind: 'user-message', text: 'Hello, team', authorName: 'Ada', authorId: ada.user.id });
  });
});
