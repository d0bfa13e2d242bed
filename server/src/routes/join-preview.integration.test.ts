import { expect, it } from 'vitest';
import type { JoinPreviewResponse, ShareLinkListResponse } from '@tandem/shared/protocol/http.js';
import { serverForFile } from '../../test-support/server-per-file.js';

const shared = serverForFile('join-preview', { sandboxes: false });

it('an invite link shows, before joining and to anyone holding it, the session title, who invited and the role: nothing else', async () => {
  const ada = await shared.api.identity('Ada');
  const sessionId = await shared.api.createSession(ada.token, 'Fix the parser', '/repos/secret-project');
  const link = await shared.api.share(ada.token, sessionId, 'editor');

  // No identity is needed to read what the link opens.
  const preview = await shared.api.call<JoinPreviewResponse>('POST', '/join/preview', undefined, { token: link.token });
  expect(preview.status).toBe(200);
  expect(preview.body).toStrictEqual({ preview: { sessionTitle: 'Fix the parser', inviterName: 'Ada', role: 'editor' } });
  expect(JSON.stringify(preview.body)).not.toContain(sessionId);
  expect(JSON.stringify(preview.body)).not.toContain('secret-project');

  // Reading it joins no one.
  const bob = await shared.api.identity('Bob');
  expect((await shared.api.call('GET', `/sessions/${sessionId}`, bob.token)).status).toBe(403);

  // A revoked or made-up link previews nothing.
  expect((await shared.api.call('DELETE', `/sessions/${sessionId}/links/${link.id}`, ada.token)).status).toBe(200);
  expect((await shared.api.call('POST', '/join/preview', undefined, { token: link.token })).status).toBe(404);
  expect((await shared.api.call('POST', '/join/preview', undefined, { token: 'not-a-link' })).status).toBe(404);
});

it('each link counts the joins through it; the owner opening their own link is not a join', async () => {
  const [ada, bob, cy] = await Promise.all(['Ada', 'Bob', 'Cy'].map((name) => shared.api.identity(name)));
  const sessionId = await shared.api.createSession(ada!.token, 'Counted');
  const editor = await shared.api.share(ada!.token, sessionId, 'editor');
  const viewer = await shared.api.share(ada!.token, sessionId, 'viewer');
  for (const person of [bob!, cy!, ada!]) expect((await shared.api.join(person.token, editor.token)).status).toBe(200);

  const links = (await shared.api.call<ShareLinkListResponse>('GET', `/sessions/${sessionId}/links`, ada!.token)).body.links;
  expect(links.find((link) => link.id === editor.id)).toMatchObject({ joinCount: 2, carriedFrom: null, createdAt: editor.createdAt });
  expect(links.find((link) => link.id === viewer.id)).toMatchObject({ joinCount: 0 });
});
