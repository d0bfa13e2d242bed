import type { MiddlewareHandler } from 'hono';
import { createMiddleware } from 'hono/factory';
import { TOKEN_QUERY_PARAM } from '@tandem/shared/protocol/http.js';
import { ErrorCode } from '@tandem/shared/protocol/errors.js';
import { decideIdentityAccepted, type AccessMode } from '../auth/access-policy.js';
import type { Identity, IdentityTokens } from '../auth/identity-token.js';
import { HttpError } from './http-error.js';

export interface AppVariables {
  identity: Identity | undefined;
}
export type AppEnv = { Variables: AppVariables };

/**
 * Reads the signed identity from `Authorization: Bearer …` (HTTP) or `?token=` (WebSocket upgrades,
 * where browsers cannot set headers). A token that does not verify (forged, or signed with a key
 * rotated away) counts as no identity, and so does a bare display name on a server that requires
 * sign-in: one check here covers every route, /sync and /terminal.
 */
export function identityMiddleware(tokens: IdentityTokens, mode: AccessMode): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization');
    const bearer = header?.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : undefined;
    const token = bearer ?? c.req.query(TOKEN_QUERY_PARAM);
    const identity = token ? await tokens.verify(token) : undefined;
    c.set('identity', identity && decideIdentityAccepted(identity, mode) ? identity : undefined);
    await next();
  };
}

export function requireIdentity(identity: Identity | undefined): Identity {
  if (!identity) {
    throw new HttpError(
      401,
      ErrorCode.Unauthenticated,
      'Sign in first: pick a display name (POST /api/identity), or on a server that requires sign-in use GitHub or an invite code; then send its token',
    );
  }
  return identity;
}

/** A route for signed-in people only (401 otherwise, before its body is read); `c.var.identity` is theirs. */
export const signedIn = createMiddleware<{ Variables: { identity: Identity } }>(async (c, next) => {
  c.set('identity', requireIdentity(c.get('identity')));
  await next();
});
