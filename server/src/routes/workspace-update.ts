import { Hono } from 'hono';
import { updateWorkspaceBodySchema, type UpdateWorkspaceResponse } from '@tandem/shared/protocol/http.js';
import { requireIdentity, type AppEnv } from '../http/identity-middleware.js';
import { jsonBody } from '../http/json-body.js';
import type { WorkspaceUpdates } from '../session/workspace-updates.js';

/** POST /api/sessions/:sessionId/workspace/update — an editor brings the running workspace up to the repo's newer commit. */
export function workspaceUpdateRoutes(updates: WorkspaceUpdates) {
  return new Hono<AppEnv>().post('/:sessionId/workspace/update', ...jsonBody(updateWorkspaceBodySchema), async (c) => {
    const { commit } = c.req.valid('json');
    const body: UpdateWorkspaceResponse = await updates.update(c.req.param('sessionId'), requireIdentity(c.get('identity')), commit);
    return c.json(body);
  });
}
