import { Hono } from 'hono';
import { ErrorCode } from '@tandem/shared/protocol/errors.js';
import { filePathBodySchema, renameFileBodySchema, type ChangesResponse } from '@tandem/shared/protocol/http.js';
import { UnavailableError } from '../domain/errors.js';
import { HttpError } from '../http/http-error.js';
import type { AppEnv } from '../http/identity-middleware.js';
import { createSessionRoles } from '../http/session-role.js';
import { jsonBody } from '../http/json-body.js';
import type { SessionRuntime } from '../workspace/session-runtime.js';
import type { SessionService } from '../session/session-service.js';
import { FileSyncError } from '../workspace/files/workspace-sync.js';

const VIEWERS_CANNOT_CHANGE_FILES = 'Viewers cannot change files';
const STATUS_BY_REASON = { 'invalid-path': 400, 'not-found': 404, binary: 415, 'too-large': 413 } as const;

/** /api/sessions/:id/files…: open a file into the live working set, list changes, delete and rename. */
export function fileRoutes(service: SessionService, runtime: SessionRuntime | null) {
  const requireSessionRole = createSessionRoles(service);
  const liveFilesOf = (session: { id: string; repo: string }) => {
    if (!runtime) throw new UnavailableError('This server runs without sandboxes');
    return runtime.files(session.id);
  };
  const run = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      if (error instanceof FileSyncError) throw new HttpError(STATUS_BY_REASON[error.reason], ErrorCode.BadRequest, error.message);
      throw error;
    }
  };

  return new Hono<AppEnv>()
    .post('/:sessionId/files/open', ...jsonBody(filePathBodySchema), requireSessionRole('viewer'), async (c) => {
      const { path } = c.req.valid('json');
      const files = await liveFilesOf(c.var.session);
      await run(() => files.open(path));
      return c.json({ path });
    })
    .post('/:sessionId/files/delete', ...jsonBody(filePathBodySchema), requireSessionRole('editor', VIEWERS_CANNOT_CHANGE_FILES), async (c) => {
      const { path } = c.req.valid('json');
      const files = await liveFilesOf(c.var.session);
      await run(() => files.remove(path));
      return c.json({ path });
    })
    .post('/:sessionId/files/rename', ...jsonBody(renameFileBodySchema), requireSessionRole('editor', VIEWERS_CANNOT_CHANGE_FILES), async (c) => {
      const { from, to } = c.req.valid('json');
      const files = await liveFilesOf(c.var.session);
      await run(() => files.rename(from, to));
      return c.json({ path: to });
    })
    .get('/:sessionId/changes', requireSessionRole('viewer'), async (c) => {
      const files = await liveFilesOf(c.var.session);
      const body: ChangesResponse = { changes: await files.changes() };
      return c.json(body);
    });
}
