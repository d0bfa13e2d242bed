import { Hono } from 'hono';
import { canEditSession } from '@tandem/shared/roles.js';
import { editRunNodeBodySchema, runNodeActionSchema, startRunBodySchema, type BlueprintListResponse, type RunResponse } from '@tandem/shared/protocol/runs.js';
import type { BlueprintService } from '../blueprint/blueprint-service.js';
import { forbidden, HttpError } from '../http/http-error.js';
import { requireIdentity, type AppEnv } from '../http/identity-middleware.js';
import { parseJsonBody } from '../http/json-body.js';
import type { SessionService } from '../session/session-service.js';
import { ErrorCode } from '@tandem/shared/protocol/errors.js';

/** /api/sessions/:id/runs and /blueprints: start a blueprint, act on its steps (editors only), stop it. */
export function runRoutes(service: SessionService, runs: BlueprintService) {
  return new Hono<AppEnv>()
    .get('/:sessionId/blueprints', async (c) => {
      const access = await service.requireAccess(c.req.param('sessionId'), requireIdentity(c.get('identity')));
      const body: BlueprintListResponse = await runs.list(access.session);
      return c.json(body);
    })
    .post('/:sessionId/runs', async (c) => {
      const identity = requireIdentity(c.get('identity'));
      const { blueprint, goal } = await parseJsonBody(c, startRunBodySchema);
      // The same rights (and rate limit) as sending the agent a message.
      const access = await service.requireMessageRights(c.req.param('sessionId'), identity);
      const body: RunResponse = { run: await runs.start(access.session, identity, blueprint, goal, new URL(c.req.url).origin) };
      return c.json(body, 201);
    })
    .post('/:sessionId/runs/current/nodes/:nodeId/:action', async (c) => {
      const identity = requireIdentity(c.get('identity'));
      const action = runNodeActionSchema.safeParse(c.req.param('action'));
      if (!action.success) throw new HttpError(404, ErrorCode.NotFound, 'A step can be approved, skipped or retried');
      const access = await service.requireAccess(c.req.param('sessionId'), identity);
      if (!canEditSession(access.role)) throw forbidden('Viewers cannot approve, skip or retry steps');
      const body: RunResponse = { run: await runs.act(access.session.id, identity, action.data, c.req.param('nodeId')) };
      return c.json(body);
    })
    // New parameters for a step that has not run yet (editors only); 409 once it has run.
    .patch('/:sessionId/runs/current/nodes/:nodeId', async (c) => {
      const identity = requireIdentity(c.get('identity'));
      const access = await service.requireAccess(c.req.param('sessionId'), identity);
      if (!canEditSession(access.role)) throw forbidden('Viewers cannot edit steps');
      const edit = await parseJsonBody(c, editRunNodeBodySchema);
      const body: RunResponse = { run: await runs.edit(access.session.id, identity, c.req.param('nodeId'), edit) };
      return c.json(body);
    })
    .post('/:sessionId/runs/current/stop', async (c) => {
      const identity = requireIdentity(c.get('identity'));
      const access = await service.requireAccess(c.req.param('sessionId'), identity);
      if (!canEditSession(access.role)) throw forbidden('Viewers cannot stop a run');
      const body: RunResponse = { run: await runs.stop(access.session.id, identity) };
      return c.json(body);
    });
}
