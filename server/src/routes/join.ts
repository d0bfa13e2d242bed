import { Hono } from 'hono';
import { joinBodySchema, type JoinResponse } from '../../../shared/src/protocol/http.js';
import { requireIdentity, type AppEnv } from '../http/identity-middleware.js';
import { parseJsonBody } from '../http/json-body.js';
import type { SessionService } from '../session/session-service.js';

/** POST /api/join: redeem a share link's token for a role in its session. */
export function joinRoutes(service: SessionService) {
  return new Hono<AppEnv>().post('/', async (c) => {
    const identity = requireIdentity(c.get('identity'));
    const { token } = await parseJsonBody(c, joinBodySchema);
    const body: JoinResponse = { session: await service.join(identity, token) };
    return c.json(body);
  });
}
