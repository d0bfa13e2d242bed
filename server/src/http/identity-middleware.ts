import type { MiddlewareHandler } from 'hono';
import { TOKEN_QUERY_PARAM } from '../../../shared/src/protocol/http.js';
import { ErrorCode } from '../../../shared/src/protocol/errors.js';
import type { Identity, IdentityTokens } from '../auth/identity-token.js';
import { HttpError } from './http-error.js';

export interface AppVariables {
  identity: Identity | undefined;
}
export type AppEnv = { Variables: AppVariables };

/**
 * Reads the signed identity from `Authorization: Bearer …` (HTTP) or `?token=` (WebSocket upgrades,
 * where browsers cannot set headers). A token that does not verify counts as no identity.
 */
export function identityMiddleware(tokens: IdentityTokens): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization');
    const bearer = header?.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : undefined;
    const token = bearer ?? c.req.query(TOKEN_QUERY_PARAM);
    c.set('identity', token ? tokens.verify(token) : undefined);
    await next();
  };
}

export function requireIdentity(identity: Identity | undefined): Identity {
  if (!identity) {
    throw new HttpError(401, ErrorCode.Unauthenticated, 'Pick a display name first (POST /api/identity), then send its token');
  }
  return identity;
}
