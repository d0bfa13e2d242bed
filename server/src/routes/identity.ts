import { Hono } from 'hono';
import { colorForUserId } from '@tandem/shared/protocol/presence.js';
import { createIdentityBodySchema, type CurrentIdentityResponse, type IdentityResponse } from '@tandem/shared/protocol/http.js';
import { ErrorCode } from '@tandem/shared/protocol/errors.js';
import type { AccessMode } from '../auth/access-policy.js';
import { newUserId, type IdentityTokens } from '../auth/identity-token.js';
import type { UsersRepository } from '../db/repositories/users.js';
import { HttpError } from '../http/http-error.js';
import { requireIdentity, type AppEnv } from '../http/identity-middleware.js';
import { jsonBody } from '../http/json-body.js';

/**
 * GET /api/identity: who the token says you are. POST /api/identity: pick (or change) a display name;
 * a valid token keeps its id and how it signed in. Where sign-in is required, only a signed-in person
 * may change their name: a name alone is no identity there.
 */
export function identityRoutes(deps: { tokens: IdentityTokens; users: UsersRepository; mode: AccessMode }) {
  return new Hono<AppEnv>()
    .get('/', (c) => {
      const { id, name } = requireIdentity(c.get('identity'));
      const body: CurrentIdentityResponse = { user: { id, name, color: colorForUserId(id) } };
      return c.json(body);
    })
    .post(
      '/',
      async (c, next) => {
        if (!c.get('identity') && deps.mode === 'sign-in') {
          throw new HttpError(401, ErrorCode.Unauthenticated, 'This server requires sign-in: sign in with GitHub, or redeem an invite code from its admin');
        }
        await next();
      },
      ...jsonBody(createIdentityBodySchema),
      async (c) => {
      const current = c.get('identity');
      const { name } = c.req.valid('json');
      const id = current?.id ?? newUserId();
      await deps.users.upsert({ id, name });
      const body: IdentityResponse = {
        token: deps.tokens.sign({ id, name, via: current?.via ?? 'name' }),
        user: { id, name, color: colorForUserId(id) },
      };
      return c.json(body, 201);
    });
}
