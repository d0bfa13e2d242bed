import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_HTTP_BODY_BYTES } from '@tandem/shared/limits.js';
import type { ErrorResponse, SessionListResponse, ShareLinkListResponse } from '@tandem/shared/protocol/http.js';
import type { RunningServer } from '../server.js';
import { apiClient, openTempDatabase, startTestServer } from '../../test-support/test-server.js';

let store: Awaited<ReturnType<typeof openTempDatabase>>;
let server: RunningServer;
let api: ReturnType<typeof apiClient>;

beforeAll(async () => {
  store = await openTempDatabase();
  server = await startTestServer(store.dataDir, { database: store.database });
  api = apiClient(server.url);
});
afterAll(async () => {
  await server.close();
  await store.dispose();
});

async function rawPost(route: string, body: string, token?: string) {
  const response = await fetch(`${server.url}/api${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body,
  });
  return { status: response.status, body: (await response.json()) as ErrorResponse };
}

describe('bad input gets a clear error and changes nothing', () => {
  it('rejects malformed JSON, schema mismatches and oversized bodies', async () => {
    const ada = await api.identity('Ada');
    expect(await rawPost('/sessions', '{"title": ', ada.token)).toMatchObject({ status: 400, body: { error: { code: 'invalid_json' } } });
    const missing = await rawPost('/sessions', JSON.stringify({ title: '  ' }), ada.token);
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toMatch(/Title must not be empty/);
    expect(missing.body.error.message).toMatch(/repo/);
    const huge = await rawPost('/sessions', JSON.stringify({ title: 'x'.repeat(MAX_HTTP_BODY_BYTES), repo: 'r' }), ada.token);
    expect(huge).toMatchObject({ status: 413, body: { error: { code: 'payload_too_large' } } });
    const listed = await api.call<SessionListResponse>('GET', '/sessions', ada.token);
    expect(listed.body.sessions).toEqual([]);
  });

  it('answers unknown API routes with a JSON 404 and missing identity with a 401', async () => {
    expect(await api.call('GET', '/nope')).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    expect(await api.call('GET', '/sessions')).toMatchObject({ status: 401, body: { error: { code: 'unauthenticated' } } });
    expect(await api.call('GET', '/sessions', 'not.a-valid-token')).toMatchObject({ status: 401 });
  });
});

describe('roles are enforced on every call', () => {
  it('lets editors chat, refuses viewers and strangers, and keeps sharing to the owner', async () => {
    const ada = await api.identity('Ada');
    const eddie = await api.identity('Eddie');
    const vic = await api.identity('Vic');
    const eve = await api.identity('Eve');
    const sessionId = await api.createSession(ada.token, 'Shared work');
    const editorLink = await api.share(ada.token, sessionId, 'editor');
    const viewerLink = await api.share(ada.token, sessionId, 'viewer');

    expect((await api.join(eddie.token, editorLink.token)).body.session.role).toBe('editor');
    expect((await api.join(vic.token, viewerLink.token)).body.session.role).toBe('viewer');

    const post = (token: string) => api.call('POST', `/sessions/${sessionId}/messages`, token, { text: 'hi' });
    expect((await post(ada.token)).status).toBe(201);
    expect((await post(eddie.token)).status).toBe(201);
    expect((await post(vic.token)).status).toBe(403);
    expect((await post(eve.token)).status).toBe(403);
    expect((await api.call('GET', `/sessions/${sessionId}`, eve.token)).status).toBe(403);
    expect((await api.call('POST', `/sessions/${sessionId}/links`, eddie.token, { role: 'editor' })).status).toBe(403);
    expect((await api.call('POST', `/sessions/${sessionId}/links`, ada.token, { role: 'admin' })).status).toBe(400);

    const eddieList = await api.call<SessionListResponse>('GET', '/sessions', eddie.token);
    expect(eddieList.body.sessions.map((session) => [session.title, session.role])).toEqual([['Shared work', 'editor']]);

    await api.call('DELETE', `/sessions/${sessionId}/links/${editorLink.id}`, ada.token);
    expect((await post(eddie.token)).status).toBe(403);
    expect((await api.call<SessionListResponse>('GET', '/sessions', eddie.token)).body.sessions).toEqual([]);
    expect((await api.join(eve.token, editorLink.token)).status).toBe(404);

    const links = await api.call<ShareLinkListResponse>('GET', `/sessions/${sessionId}/links`, ada.token);
    expect(links.body.links.map((link) => [link.role, link.revokedAt !== null])).toEqual([
      ['editor', true],
      ['viewer', false],
    ]);
  });

  it('404s an unknown session and an unknown link', async () => {
    const ada = await api.identity('Ada');
    expect((await api.call('GET', '/sessions/s_missing', ada.token)).status).toBe(404);
    const sessionId = await api.createSession(ada.token);
    expect((await api.call('DELETE', `/sessions/${sessionId}/links/l_missing`, ada.token)).status).toBe(404);
  });

  it('keeps the same person when they change their name', async () => {
    const first = await api.identity('Ada');
    const renamed = await api.call<{ user: { id: string; name: string } }>('POST', '/identity', first.token, { name: 'Ada L.' });
    expect(renamed.body.user).toMatchObject({ id: first.user.id, name: 'Ada L.' });
  });
});
