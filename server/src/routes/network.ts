import { Hono } from 'hono';
import { canManageSharing } from '@tandem/shared/roles.js';
import { allowHostBodySchema, approveEnvironmentBodySchema, type AllowHostResponse, type NetworkAttemptsResponse } from '@tandem/shared/protocol/network.js';
import { ConflictError } from '../domain/errors.js';
import type { AppEnv } from '../http/identity-middleware.js';
import { createSessionRoles } from '../http/session-role.js';
import { jsonBody } from '../http/json-body.js';
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
    if (!network) throw new ConflictError("This server's sandboxes control their network themselves (e2b); there is no Tandem policy to change");
    return network;
  };
  const requireSessionRole = createSessionRoles(service);
  return new Hono<AppEnv>()
    .get('/:sessionId/environment/approval', requireSessionRole('viewer'), async (c) => {
      return c.json(await requireNetwork().approval(c.var.session.id, canManageSharing(c.var.role)));
    })
    .post('/:sessionId/environment/approval', requireSessionRole('owner', "Only the session's owner approves the repo's environment file"), ...jsonBody(approveEnvironmentBodySchema), async (c) => {
      const { identity, session } = c.var;
      const body = c.req.valid('json');
      const outcome = await requireNetwork().approve(session.id, identity.id, identity.name, body.hash);
      switch (outcome) {
        case 'approved':
          return c.json(await requireNetwork().approval(session.id, true));
        case 'changed':
          throw new ConflictError('The environment file changed since you read it; read it again and approve what it says now');
        case 'no-file':
          throw new ConflictError('This session has no environment file to approve (or its sandbox is not running)');
        default:
          return outcome satisfies never;
      }
    })
    .post(
      '/:sessionId/network/allow',
      requireSessionRole('editor', 'Only editors can open a host for this session'),
      async (c, next) => {
        if (c.var.session.endedAt) throw new ConflictError('This session has ended');
        await next();
      },
      ...jsonBody(allowHostBodySchema),
      async (c) => {
      const { identity, session } = c.var;
      const body = c.req.valid('json');
      await requireNetwork().allowHost(session.id, body.host, { id: identity.id, name: identity.name });
      const response: AllowHostResponse = { host: body.host, openedBy: identity.name };
      return c.json(response, 201);
    })
    .get('/:sessionId/network/attempts', requireSessionRole('viewer'), async (c) => {
      const { attempts, opened } = await requireNetwork().attempts(c.var.session.id);
      const response: NetworkAttemptsResponse = {
        attempts: attempts.map((row) => ({ phase: row.phase, host: row.host, port: row.port, allowed: row.allowed, reason: row.reason, attempts: row.attempts, bytesOut: row.bytesOut, bytesIn: row.bytesIn, lastAt: row.lastAt.toISOString() })),
        opened: opened.map((row) => ({ host: row.host, openedBy: row.openedBy, openedAt: row.openedAt.toISOString() })),
      };
      return c.json(response);
    });
}
