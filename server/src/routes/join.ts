import { Hono } from 'hono';
import { joinBodySchema, type JoinPreviewResponse, type JoinResponse } from '@tandem/shared/protocol/http.js';
import { requireIdentity, type AppEnv } from '../http/identity-middleware.js';
import { parseJsonBody } from '../http/json-body.js';
import type { SessionService } from '../session/session-service.js';

/** POST /api/join: redeem a share link's token for a role in its session; /preview says what it opens. */
export function joinRoutes(service: SessionService) {
  return new Hono<AppEnv>()
    .post('/', async (c) => {
      const identity = requireIdentity(c.get('identity'));
      const { token } = await parseJsonBody(c, joinBodySchema);
      const body: JoinResponse = { session: await service.join(identity, token) };
      return c.json(body);
    })
    .post('/preview', async (c) => {
      // No identity needed: the link's holder learns only what the invite page shows (title, inviter,
      // role), less than joining would give them. A POST keeps the token out of URLs and logs.
      const { token } = await parseJsonBody(c, joinBodySchema);
      const body: JoinPreviewResponse = { preview: await service.previewLink(token) };
      return c.json(body);
    });
}
