import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { MAX_HTTP_BODY_BYTES } from '@tandem/shared/limits.js';
import { ErrorCode } from '@tandem/shared/protocol/errors.js';
import type { ServerAccess } from './auth/server-access.js';
import type { UsersRepository } from './db/repositories/users.js';
import type { ToolOutputsRepository } from './db/repositories/tool-outputs.js';
import { clientAssetRoutes } from './http/client-assets.js';
import { errorResponse } from './http/http-error.js';
import { createErrorHandler } from './http/error-handler.js';
import { identityMiddleware, type AppEnv } from './http/identity-middleware.js';
import { identityRoutes } from './routes/identity.js';
import { authRoutes } from './routes/auth.js';
import { adminRoutes } from './routes/admin.js';
import { joinRoutes } from './routes/join.js';
import { fileRoutes } from './routes/files.js';
import { sessionRoutes } from './routes/sessions.js';
import { syncRoutes } from './routes/sync.js';
import type { SessionRuntime } from './workspace/session-runtime.js';
import type { AgentService } from './agent/agent-service.js';
import { workspaceUpdateRoutes } from './routes/workspace-update.js';
import type { SessionWork } from './compose.js';
import { runRoutes } from './routes/runs.js';
import type { HealthResponse, ServerInfoResponse } from '@tandem/shared/protocol/http.js';
import type { SessionService } from './session/session-service.js';
import { terminalRoutes } from './routes/terminal.js';
import { serviceRoutes } from './routes/services.js';
import { secretRoutes } from './routes/secrets.js';
import { networkRoutes } from './routes/network.js';
import type { SessionNetwork } from './network/session-network.js';
import type { SecretsStore } from './secrets/secrets-store.js';
import type { SessionSecrets } from './secrets/session-secrets.js';

import type { DocHost } from './sync/doc-host.js';

export interface AppLogger {
  error(message: string, error?: unknown): void;
  /** One line of what happened (absent in tests that only collect errors). */
  info?(message: string): void;
}

export interface AppDeps {
  /** Access mode, identity tokens and their key, sign-in methods, rate limits. */
  access: ServerAccess;
  users: UsersRepository;
  sessions: SessionService;
  docHost: DocHost;
  /** Sandboxes and terminals; null when the server runs without them (doc-only tests). */
  runtime: SessionRuntime | null;
  /** Whether this server can run sandboxes, and if not, the command that fixes it (GET /api/health). */
  sandboxHealth?: HealthResponse['sandboxes'];
  agents: AgentService;
  toolOutputs: ToolOutputsRepository;
  /** Sandboxes' egress policy per session (null: the provider controls the network itself, or no sandboxes). */
  network?: SessionNetwork | null;
  /** Environment secrets (absent: no secrets API). */
  secrets?: { store: SecretsStore; live: SessionSecrets };
  /** The session's work the routes drive: blueprint runs and workspace updates (compose.ts makes them). */
  sessionWork: SessionWork;
  clientDir: string;
  logger: AppLogger;
}

/** The whole HTTP surface: /api, /sync and the web app. Dependencies come in; nothing is global. */
export function createApp(deps: AppDeps) {
  const { access } = deps;
  const { runs, workspaceUpdates } = deps.sessionWork;
  const api = new Hono<AppEnv>()
    .use(
      bodyLimit({
        maxSize: MAX_HTTP_BODY_BYTES,
        onError: (c) =>
          errorResponse(c, 413, ErrorCode.PayloadTooLarge, `Request body is larger than ${MAX_HTTP_BODY_BYTES} bytes`),
      }),
    )
    .get('/health', (c) => {
      const body: HealthResponse = { ok: true, sandboxes: deps.sandboxHealth ?? { state: 'off' } };
      return c.json(body);
    })
    .get('/info', (c) => {
      const body: ServerInfoResponse = { agent: deps.agents.info(), sandbox: deps.runtime?.providerName ?? null };
      return c.json(body);
    })
    // Budgets per identity and per address for what costs the server (before the routes they guard).
    .post('/identity', access.rateLimits.guard('identity'))
    .post('/sessions', access.rateLimits.guard('session'))
    .post('/sessions/:sessionId/messages', access.rateLimits.guard('message'))
    .post('/sessions/:sessionId/runs', access.rateLimits.guard('message'))
    .route('/identity', identityRoutes({ tokens: access.tokens, users: deps.users, mode: access.mode }))
    .route('/auth', authRoutes({ ...access, users: deps.users, logger: deps.logger }))
    .route('/admin', adminRoutes({ adminToken: access.access.adminToken, invites: access.invites, keyring: access.keyring, secrets: deps.secrets?.store }))
    .route('/sessions', sessionRoutes(deps.sessions, deps.runtime, deps.agents, deps.toolOutputs, deps.logger))
    .route('/sessions', fileRoutes(deps.sessions, deps.runtime))
    .route('/sessions', runRoutes(deps.sessions, runs))
    .route('/sessions', serviceRoutes(deps.sessions, deps.runtime))
    .route('/sessions', workspaceUpdateRoutes(workspaceUpdates))
    .route('/sessions', deps.secrets ? secretRoutes({ service: deps.sessions, ...deps.secrets, adminToken: access.access.adminToken }) : new Hono<AppEnv>())
    .route('/sessions', networkRoutes(deps.sessions, deps.network ?? null))
    .route('/join', joinRoutes(deps.sessions))
    .all('*', (c) => errorResponse(c, 404, ErrorCode.NotFound, `No API route ${c.req.method} ${c.req.path}`));

  const app = new Hono<AppEnv>()
    .use('*', identityMiddleware(access.tokens, access.mode))
    .route('/api', api)
    .route('/sync', syncRoutes({ service: deps.sessions, docHost: deps.docHost, logger: deps.logger }))
    .route('/terminal', terminalRoutes({ service: deps.sessions, runtime: deps.runtime }))
    .route('/', clientAssetRoutes(deps.clientDir));

  app.onError(createErrorHandler(deps.logger));
  // The server goes on with stored runs once it listens, and leaves them to the store when it stops.
  return app;
}
