import { Hono } from 'hono';
import { canEditSession } from '@tandem/shared/roles.js';
import { editRunNodeBodySchema, runNodeActionSchema, startRunBodySchema, type BlueprintListResponse, type RunResponse } from '@tandem/shared/protocol/runs.js';
import type { BlueprintService } from '../blueprint/blueprint-service.js';
import { DeniedError, NotFoundError } from '../domain/errors.js';
import { requireIdentity, signedIn, type AppEnv } from '../http/identity-middleware.js';
import { createSessionRoles } from '../http/session-role.js';
import { jsonBody } from '../http/json-body.js';
import type { SessionService } from '../session/session-service.js';

/** /api/sessions/:id/runs and /blueprints: start a blueprint, act on its steps (editors only), stop it. */
export function runRoutes(service: SessionService, runs: BlueprintService) {
  const requireSessionRole = createSessionRoles(service);
  return new Hono<AppEnv>()
    .get('/:sessionId/blueprints', requireSessionRole('viewer'), async (c) => {
      const body: BlueprintListResponse = await runs.list(c.var.session);
      return c.json(body);
    })
    .post('/:sessionId/runs', signedIn, ...jsonBody(startRunBodySchema), async (c) => {
      const { identity } = c.var;
      const { blueprint, goal } = c.req.valid('json');
      // The same rights (and rate limit) as sending the agent a message.
      const access = await service.requireMessageRights(c.req.param('sessionId'), identity);
      const body: RunResponse = { run: await runs.start(access.session, identity, blueprint, goal, new URL(c.req.url).origin) };
      return c.json(body, 201);
    })
    .post('/:sessionId/runs/current/nodes/:nodeId/:action', async (c) => {
      const identity = requireIdentity(c.get('identity'));
      const action = runNodeActionSchema.safeParse(c.req.param('action'));
      if (!action.success) throw new NotFoundError('A step can be approved, skipped or retried');
      const access = await service.requireAccess(c.req.param('sessionId'), identity);
      if (!canEditSession(access.role)) throw new DeniedError('Viewers cannot approve, skip or retry steps');
      const body: RunResponse = { run: await runs.act(access.session.id, identity, action.data, c.req.param('nodeId')) };
      return c.json(body);
    })
    // New parameters for a step that has not run yet (editors only); 409 once it has run.
    .patch('/:sessionId/runs/current/nodes/:nodeId', requireSessionRole('editor', 'Viewers cannot edit steps'), ...jsonBody(editRunNodeBodySchema), async (c) => {
      const edit = c.req.valid('json');
      const body: RunResponse = { run: await runs.edit(c.var.session.id, c.var.identity, c.req.param('nodeId'), edit) };
      return c.json(body);
    })
    .post('/:sessionId/runs/current/stop', requireSessionRole('editor', 'Viewers cannot stop a run'), async (c) => {
      const body: RunResponse = { run: await runs.stop(c.var.session.id, c.var.identity) };
      return c.json(body);
    });
}
