import { Hono } from 'hono';
import { colorForUserId } from '../../../shared/src/protocol/presence.js';
import { createIdentityBodySchema, type IdentityResponse } from '../../../shared/src/protocol/http.js';
import { newUserId, type IdentityTokens } from '../auth/identity-token.js';
import type { UsersRepository } from '../db/repositories/users.js';
import type { AppEnv } from '../http/identity-middleware.js';
import { parseJsonBody } from '../http/json-body.js';

/** POST /api/identity: pick (or change) a display name; keeps the same id when a valid token is sent. */
export function identityRoutes(deps: { tokens: IdentityTokens; users: UsersRepository }) {
  return new Hono<AppEnv>().post('/', async (c) => {
    const { name } = await parseJsonBody(c, createIdentityBodySchema);
    const id = c.get('identity')?.id ?? newUserId();
    await deps.users.upsert({ id, name });
    const body: IdentityResponse = {
      token: deps.tokens.sign({ id, name }),
      user: { id, name, color: colorForUserId(id) },
    };
    return c.json(body, 201);
  });
}
