import { Hono } from 'hono';
import {
  changeSessionBodySchema,
  createSessionBodySchema,
  createShareLinkBodySchema,
  postMessageBodySchema,
  type ChangeSessionResponse,
  type OpenTerminalResponse,
  type PostMessageResponse,
  type SessionListResponse,
  type EndSessionResponse,
  type SessionResponse,
  type StopAgentResponse,
  type ShareLinkListResponse,
  type ShareLinkResponse,
  type NewShareLinkResponse,
} from '@tandem/shared/protocol/http.js';
import { requireIdentity, signedIn, type AppEnv } from '../http/identity-middleware.js';
import { createSessionRoles } from '../http/session-role.js';
import { jsonBody } from '../http/json-body.js';
import type { SessionRuntime } from '../workspace/session-runtime.js';
import type { AgentService } from '../agent/agent-service.js';
import type { AppLogger } from '../app.js';
import type { ToolOutputsRepository } from '../db/repositories/tool-outputs.js';
import type { SessionService } from '../session/session-service.js';
import { ConflictError, NotFoundError, UnavailableError } from '../domain/errors.js';
import { createSandboxRestarts, requireUsableRepo } from '../session/sandbox-restarts.js';

/** /api/sessions: list, create, read, chat, and the owner's share links. */
export function sessionRoutes(service: SessionService, runtime: SessionRuntime | null, agents: AgentService, toolOutputs: ToolOutputsRepository, logger: AppLogger) {
  // Opening a session starts its sandbox in the background; progress and failures land in the doc
  // (a failed boot is logged where it fails): here only one line says the open did not start it.
  const warmUp = (session: { id: string; repo: string }) => {
    void runtime?.ensureStarted(session.id).catch((error: unknown) => logger.info?.(`session ${session.id}: opening it did not start its sandbox: ${error instanceof Error ? error.message : String(error)}`));
    void agents.reconcile(session.id).catch((error: unknown) => logger.error(`session ${session.id}: could not reconcile the agent's state on open`, error));
  };
  const restarts = createSandboxRestarts({ service, runtime });
  const requireSessionRole = createSessionRoles(service);
  return new Hono<AppEnv>()
    .get('/', async (c) => {
      const body: SessionListResponse = { sessions: await service.list(requireIdentity(c.get('identity'))) };
      return c.json(body);
    })
    .post('/', signedIn, ...jsonBody(createSessionBodySchema), async (c) => {
      const { identity } = c.var;
      const request = c.req.valid('json');
      // A resumed session keeps the repo of the session it resumes; any other repo is checked up front.
      if (!request.resumeFrom) await requireUsableRepo(runtime, request.repo);
      const body: SessionResponse = { session: await service.create(identity, request) };
      warmUp(body.session);
      return c.json(body, 201);
    })
    .get('/:sessionId', requireSessionRole('viewer'), async (c) => {
      const body: SessionResponse = { session: service.toSummary(c.var.session, c.var.role) };
      // The doc shows what the store says (a doc from before the store held it is set right here).
      await service.mirrorToDoc(body.session.id);
      warmUp(body.session);
      return c.json(body);
    })
    // The owner points the session at another repo (while no sandbox runs), which starts it there.
    .patch('/:sessionId', ...jsonBody(changeSessionBodySchema), async (c) => {
      const { repo } = c.req.valid('json');
      const body: ChangeSessionResponse = await restarts.changeRepo(c.req.param('sessionId'), requireIdentity(c.get('identity')), repo);
      return c.json(body);
    })
    // An editor starts a sandbox that failed to start again; a running one is left as it is (200).
    .post('/:sessionId/sandbox/retry', async (c) => {
      const { status, body } = await restarts.retry(c.req.param('sessionId'), requireIdentity(c.get('identity')));
      return c.json(body, status);
    })
    .post('/:sessionId/terminals', requireSessionRole('editor', 'Viewers cannot open terminals'), async (c) => {
      const { session } = c.var;
      if (!runtime) throw new UnavailableError('This server runs without sandboxes');
      try {
        const body: OpenTerminalResponse = { terminalId: await runtime.addTerminal(session.id) };
        return c.json(body, 201);
      } catch (error) {
        throw new ConflictError(error instanceof Error ? error.message : 'Could not open a terminal');
      }
    })
    .post('/:sessionId/messages', signedIn, ...jsonBody(postMessageBodySchema), async (c) => {
      const { identity } = c.var;
      const sessionId = c.req.param('sessionId');
      const { text, delivery } = c.req.valid('json');
      if (delivery === 'chat') {
        const body: PostMessageResponse = { entryId: await service.postMessage(sessionId, identity, text), outcome: 'posted' };
        return c.json(body, 201);
      }
      const access = await service.requireMessageRights(sessionId, identity);
      const body: PostMessageResponse = await agents.send(access.session, identity, text, delivery);
      return c.json(body, 201);
    })
    .post('/:sessionId/end', async (c) => {
      const identity = requireIdentity(c.get('identity'));
      const access = await service.markEnded(c.req.param('sessionId'), identity);
      await agents.stop(access.session.id, identity);
      const snapshot = await runtime?.end(access.session.id);
      const body: EndSessionResponse = { snapshotId: snapshot?.id ?? null };
      return c.json(body);
    })
    .get('/:sessionId/tool-calls/:toolUseId/output', requireSessionRole('viewer'), async (c) => {
      const output = await toolOutputs.find(c.var.session.id, c.req.param('toolUseId'));
      if (output === undefined) throw new NotFoundError('No stored output for this tool call (only cut outputs are stored)');
      return c.text(output);
    })
    .post('/:sessionId/agent/stop', requireSessionRole('editor', 'Viewers cannot stop the agent'), async (c) => {
      const body: StopAgentResponse = { stopped: await agents.stop(c.var.session.id, c.var.identity) };
      return c.json(body);
    })
    .delete('/:sessionId/queue/:messageId', requireSessionRole('editor', 'Viewers cannot change the queue'), async (c) => {
      await agents.cancelQueued(c.var.session.id, c.var.identity, c.var.role === 'owner', c.req.param('messageId'));
      return c.body(null, 204);
    })
    .get('/:sessionId/links', async (c) => {
      const body: ShareLinkListResponse = {
        links: await service.listLinks(c.req.param('sessionId'), requireIdentity(c.get('identity'))),
      };
      return c.json(body);
    })
    .post('/:sessionId/links', signedIn, ...jsonBody(createShareLinkBodySchema), async (c) => {
      const { identity } = c.var;
      const { role } = c.req.valid('json');
      const body: NewShareLinkResponse = { link: await service.createLink(c.req.param('sessionId'), identity, role) };
      return c.json(body, 201);
    })
    .delete('/:sessionId/links/:linkId', async (c) => {
      const identity = requireIdentity(c.get('identity'));
      const body: ShareLinkResponse = {
        link: await service.revokeLink(c.req.param('sessionId'), identity, c.req.param('linkId')),
      };
      return c.json(body);
    });
}
