import { Hono } from 'hono';
import { canEditSession, canManageSharing } from '@tandem/shared/roles.js';
import { ErrorCode } from '@tandem/shared/protocol/errors.js';
import { allowHostBodySchema, approveEnvironmentBodySchema, type AllowHostResponse, type NetworkAttemptsResponse } from '@tandem/shared/protocol/network.js';
import { forbidden, HttpError } from '../http/http-error.js';
import { requireIdentity, type AppEnv } from '../http/identity-middleware.js';
import { parseJsonBody } from '../http/json-body.js';
import type { SessionNetwork } from '../network/session-network.js';
import type { SessionService } from '../session/session-service.js';

/**
 * GET/POST /api/sessions/:id/environment/approval — the repo's environment file and whether the owner
 * approved it; the owner approves the exact content shown (its hash).
 * POST /api/sessions/:id/network/allow — an editor opens one host for the rest of the session.
 * GET /api/sessions/:id/network/attempts — what the sandbox tried, allowed or not.
 */
export function networkRoutes(service: SessionService, network: SessionNetwork | null) {
  const requireNetwork = () => {
    if (!network) throw new HttpError(409, ErrorCode.BadRequest, "This server's sandboxes control their network themselves (e2b); there is no Tandem policy to change");
    return network;
  };
  return new Hono<AppEnv>()
    .get('/:sessionId/environment/approval', async (c) => {
      const access = await service.requireAccess(c.req.param('sessionId'), requireIdentity(c.get('identity')));
      return c.json(await requireNetwork().approval(access.session.id, canManageSharing(access.role)));
    })
    .post('/:sessionId/environment/approval', async (c) => {
      const identity = requireIdentity(c.get('identity'));
      const access = await service.requireAccess(c.req.param('sessionId'), identity);
      if (!canManageSharing(access.role)) throw forbidden("Only the session's owner approves the repo's environment file");
      const body = await parseJsonBody(c, approveEnvironmentBodySchema);
      const outcome = await requireNetwork().approve(access.session.id, identity.id, identity.name, body.hash);
      switch (outcome) {
        case 'approved':
          return c.json(await requireNetwork().approval(access.session.id, true));
        case 'changed':
          throw new HttpError(409, ErrorCode.BadRequest, 'The environment file changed since you read it; read it again and approve what it says now');
        case 'no-file':
          throw new HttpError(409, ErrorCode.BadRequest, 'This session has no environment file to approve (or its sandbox is not running)');
        default:
          return outcome satisfies never;
      }
    })
    .post('/:sessionId/network/allow', async (c) => {
      const identity = requireIdentity(c.get('identity'));
      const access = await service.requireAccess(c.req.param('sessionId'), identity);
      if (!canEditSession(access.role)) throw forbidden('Only editors can open a host for this session');
      if (access.session.endedAt) throw new HttpError(409, ErrorCode.BadRequest, 'This session has ended');
      const body = await parseJsonBody(c, allowHostBodySchema);
      await requireNetwork().allowHost(access.session.id, body.host, { id: identity.id, name: identity.name });
      const response: AllowHostResponse = { host: body.host, openedBy: identity.name };
      return c.json(response, 201);
    })
    .get('/:sessionId/network/attempts', async (c) => {
      const access = await service.requireAccess(c.req.param('sessionId'), requireIdentity(c.get('identity')));
      const { attempts, opened } = await requireNetwork().attempts(access.session.id);
      const response: NetworkAttemptsResponse = {
        attempts: attempts.map((row) => ({ phase: row.phase, host: row.host, port: row.port, allowed: row.allowed, reason: row.reason, attempts: row.attempts, bytesOut: row.bytesOut, bytesIn: row.bytesIn, lastAt: row.lastAt.toISOString() })),
        opened: opened.map((row) => ({ host: row.host, openedBy: row.openedBy, openedAt: row.openedAt.toISOString() })),
      };
      return c.json(response);
    });
}
