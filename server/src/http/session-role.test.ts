import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { SessionRole } from '@tandem/shared/roles.js';
import type { Identity } from '../auth/identity-token.js';
import type { SessionRow } from '../db/repositories/sessions.js';
import { DeniedError, NotFoundError } from '../domain/errors.js';
import type { GrantedAccess } from '../session/session-service.js';
import { createErrorHandler } from './error-handler.js';
import type { AppEnv } from './identity-middleware.js';
import { createSessionRoles, hasSessionRole } from './session-role.js';

const ROLES: Record<string, SessionRole> = { u_ada: 'owner', u_bob: 'editor', u_vic: 'viewer' };

/** A store of one session, s_1, where Ada owns, Bob edits and Vic views; anyone else has no role. */
const service = {
  async requireAccess(sessionId: string, identity: Identity): Promise<GrantedAccess> {
    if (sessionId !== 's_1') throw NotFoundError.of('Session');
    const role = ROLES[identity.id];
    if (!role) throw new DeniedError('You have no access to this session. Ask its owner for a share link.');
    return { kind: 'granted', role, linkId: null, session: { id: 's_1', repo: 'demo' } as SessionRow };
  },
};

function appFor(least: SessionRole) {
  const requireSessionRole = createSessionRoles(service);
  const app = new Hono<AppEnv>()
    .use('*', async (c, next) => {
      const id = c.req.header('x-user');
      c.set('identity', id ? ({ id, name: id, via: 'name' } as Identity) : undefined);
      await next();
    })
    .post('/:sessionId/thing', requireSessionRole(least, 'Viewers cannot do the thing'), (c) => c.json({ session: c.var.session.id, role: c.var.role, by: c.var.identity.id }));
  app.onError(createErrorHandler({ error: () => {} }));
  return app;
}

async function ask(least: SessionRole, sessionId: string, user?: string) {
  const response = await appFor(least).request(`/${sessionId}/thing`, { method: 'POST', headers: user ? { 'x-user': user } : {} });
  return { status: response.status, body: (await response.json()) as unknown };
}

describe('requireSessionRole', () => {
  it('asks for sign-in first (401), before it looks the session up', async () => {
    expect(await ask('viewer', 's_missing')).toMatchObject({ status: 401, body: { error: { code: 'unauthenticated' } } });
  });

  it('an unknown session is a 404 and a person without a role a 403, as the store says', async () => {
    expect(await ask('viewer', 's_missing', 'u_ada')).toMatchObject({ status: 404, body: { error: { message: 'Session not found' } } });
    expect(await ask('viewer', 's_1', 'u_eve')).toMatchObject({ status: 403, body: { error: { code: 'forbidden', message: expect.stringContaining('no access') } } });
  });

  it("refuses a role below the route's with the route's own message", async () => {
    expect(await ask('editor', 's_1', 'u_vic')).toEqual({ status: 403, body: { error: { code: 'forbidden', message: 'Viewers cannot do the thing' } } });
    expect(await ask('owner', 's_1', 'u_bob')).toMatchObject({ status: 403 });
  });

  it('puts the session, the role and the signed-in person on c.var for the handler', async () => {
    expect(await ask('editor', 's_1', 'u_bob')).toEqual({ status: 200, body: { session: 's_1', role: 'editor', by: 'u_bob' } });
    expect(await ask('viewer', 's_1', 'u_vic')).toEqual({ status: 200, body: { session: 's_1', role: 'viewer', by: 'u_vic' } });
    expect(await ask('owner', 's_1', 'u_ada')).toEqual({ status: 200, body: { session: 's_1', role: 'owner', by: 'u_ada' } });
  });

  it('orders the roles viewer < editor < owner', () => {
    const table = (['viewer', 'editor', 'owner'] as const).map((role) => (['viewer', 'editor', 'owner'] as const).map((least) => hasSessionRole(role, least)));
    expect(table).toEqual([
      [true, false, false],
      [true, true, false],
      [true, true, true],
    ]);
  });
});
