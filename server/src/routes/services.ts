import { Hono } from 'hono';
import type { RestartServiceResponse } from '@tandem/shared/protocol/services.js';
import { serviceNameSchema } from '../environment/repo-environment.js';
import { ConflictError, NotFoundError, refusalError } from '../domain/errors.js';
import type { AppEnv } from '../http/identity-middleware.js';
import { createSessionRoles } from '../http/session-role.js';
import { decideServiceRestart } from '../workspace/services/service-restart.js';
import type { SessionRuntime } from '../workspace/session-runtime.js';
import type { SessionService } from '../session/session-service.js';

/** POST /api/sessions/:sessionId/services/:name/restart — an editor starts a declared service again (crashed, failed or running). */
export function serviceRoutes(service: SessionService, runtime: SessionRuntime | null) {
  const requireSessionRole = createSessionRoles(service);
  return new Hono<AppEnv>().post('/:sessionId/services/:name/restart', requireSessionRole('viewer'), async (c) => {
    const { session, role } = c.var;
    const decision = decideServiceRestart({ role, endedAt: session.endedAt });
    if (decision.kind === 'refused') throw refusalError(decision.reason, decision.message);
    const name = serviceNameSchema.safeParse(c.req.param('name'));
    if (!name.success) throw NotFoundError.of('Service');
    const outcome = runtime ? await runtime.restartService(session.id, name.data) : 'no-sandbox';
    switch (outcome) {
      case 'restarted':
        return c.json({ ok: true } satisfies RestartServiceResponse, 202);
      case 'unknown-service':
        throw NotFoundError.of(`Service ${name.data}`);
      case 'no-sandbox':
        throw new ConflictError("This session's sandbox is not running; its services start with it");
      default:
        return outcome satisfies never;
    }
  });
}
