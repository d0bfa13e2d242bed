import { createMiddleware } from 'hono/factory';
import { canEditSession, canManageSharing, type SessionRole } from '@tandem/shared/roles.js';
import type { Identity } from '../auth/identity-token.js';
import type { SessionRow } from '../db/repositories/sessions.js';
import { DeniedError } from '../domain/errors.js';
import type { SessionService } from '../session/session-service.js';
import { requireIdentity, type AppVariables } from './identity-middleware.js';

/** What a route behind requireSessionRole reads from `c.var`: the signed-in person, their session and role in it. */
export interface SessionVariables {
  identity: Identity;
  session: SessionRow;
  role: SessionRole;
}
export type SessionEnv = { Variables: AppVariables & SessionVariables };

/** Whether `role` is at least `least` (viewer < editor < owner). */
export function hasSessionRole(role: SessionRole, least: SessionRole): boolean {
  switch (least) {
    case 'viewer':
      return true;
    case 'editor':
      return canEditSession(role);
    case 'owner':
      return canManageSharing(role);
    default:
      return least satisfies never;
  }
}

/**
 * The access check of every /api/sessions/:sessionId/… route: sign-in first (401), then the store's
 * answer for the :sessionId param (404 unknown, 403 without a role: the store decides, never the doc),
 * then the least role the route needs, refused with `deniedMessage`. Puts the session and role on
 * `c.var` for the handler.
 */
export function createSessionRoles(service: Pick<SessionService, 'requireAccess'>) {
  return function requireSessionRole(least: SessionRole, deniedMessage = `This needs the ${least} role in the session`) {
    return createMiddleware<SessionEnv>(async (c, next) => {
      const identity = requireIdentity(c.get('identity'));
      const access = await service.requireAccess(c.req.param('sessionId') ?? '', identity);
      if (!hasSessionRole(access.role, least)) throw new DeniedError(deniedMessage);
      c.set('identity', identity);
      c.set('session', access.session);
      c.set('role', access.role);
      await next();
    });
  };
}
export type RequireSessionRole = ReturnType<typeof createSessionRoles>;
