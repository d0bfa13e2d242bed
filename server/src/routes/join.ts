import { Hono } from 'hono';
import { joinBodySchema, type JoinPreviewResponse, type JoinResponse } from '@tandem/shared/protocol/http.js';
import { signedIn, type AppEnv } from '../http/identity-middleware.js';
import { jsonBody } from '../http/json-body.js';
import type { SessionService } from '../session/session-service.js';

/** POST /api/join: redeem a share link's token for a role in its session; /preview says what it opens. */
export function joinRoutes(service: SessionService) {
  return new Hono<AppEnv>()
    .post('/', signedIn, ...jsonBody(joinBodySchema), async (c) => {
      const { token } = c.req.valid('json');
      const body: JoinResponse = { session: await service.join(c.var.identity, token) };
      return c.json(body);
    })
    .post('/preview', ...jsonBody(joinBodySchema), async (c) => {
      // No identity needed: the link's holder learns only what the invite page shows (title, inviter,
      // role), less than joining would give them. A POST keeps the token out of URLs and logs.
      const { token } = c.req.valid('json');
      const body: JoinPreviewResponse = { preview: await service.previewLink(token) };
      return c.json(body);
    });
}
