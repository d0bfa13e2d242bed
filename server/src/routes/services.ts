import { Hono } from 'hono';
import { ErrorCode } from '@tandem/shared/protocol/errors.js';
import type { RestartServiceResponse } from '@tandem/shared/protocol/services.js';
import { serviceNameSchema } from '../environment/repo-environment.js';
import { HttpError, notFound } from '../http/http-error.js';
import { requireIdentity, type AppEnv } from '../http/identity-middleware.js';
import { decideServiceRestart } from '../services/service-restart.js';
import type { SessionRuntime } from '../workspace/session-runtime.js';
import type { SessionService } from '../session/session-service.js';

/** POST /api/sessions/:sessionId/services/:name/restart — an editor starts a declared service again (crashed, failed or running). */
export function serviceRoutes(service: SessionService, runtime: SessionRuntime | null) {
  return new Hono<AppEnv>().post('/:sessionId/services/:name/restart', async (c) => {
    const access = await service.requireAccess(c.req.param('sessionId'), requireIdentity(c.get('identity')));
    const decision = decideServiceRestart({ role: access.role, endedAt: access.session.endedAt });
    if (decision.kind === 'refused') throw new HttpError(decision.status, decision.status === 403 ? ErrorCode.Forbidden : ErrorCode.BadRequest, decision.message);
    const name = serviceNameSchema.safeParse(c.req.param('name'));
    if (!name.success) throw notFound('Service');
    const outcome = runtime ? await runtime.restartService(access.session.id, name.data) : 'no-sandbox';
    switch (outcome) {
      case 'restarted':
        return c.json({ ok: true } satisfies RestartServiceResponse, 202);
      case 'unknown-service':
        throw notFound(`Service ${name.data}`);
      case 'no-sandbox':
        throw new HttpError(409, ErrorCode.BadRequest, "This session's sandbox is not running; its services start with it");
      default:
        return outcome satisfies never;
    }
  });
}
