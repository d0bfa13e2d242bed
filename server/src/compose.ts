import type { AgentService } from './agent/agent-service.js';
import type { AppLogger } from './app.js';
import { createBlueprintService, type BlueprintService } from './blueprint/blueprint-service.js';
import { createCommitStore } from './blueprint/ship/commit-store.js';
import type { Shipping } from './blueprint/ship/shipping.js';
import type { BlueprintRunsRepository } from './db/repositories/blueprint-runs.js';
import type { SessionSecrets } from './secrets/session-secrets.js';
import type { SessionService } from './session/session-service.js';
import { createWorkspaceUpdates, type WorkspaceUpdates } from './session/workspace-updates.js';
import type { DocHost } from './sync/doc-host.js';
import type { SessionRuntime } from './workspace/session-runtime.js';

/**
 * The services that drive a session's work beyond one request: blueprint runs and workspace
 * updates, which share the sessions' commit store. Made here, once, by server.ts; the routes get
 * them through createApp, and the server restores and closes the runs itself (they outlive requests).
 */
export interface SessionWork {
  runs: BlueprintService;
  workspaceUpdates: WorkspaceUpdates;
}

export function composeSessionWork(deps: {
  sessions: SessionService;
  docHost: DocHost;
  runtime: SessionRuntime | null;
  agents: AgentService;
  secrets?: SessionSecrets;
  /** Where blueprint runs push and open PRs (absent: push steps say pushing is off). */
  shipping?: Shipping;
  /** Blueprint runs' state across restarts (absent: runs live in this process only). */
  blueprintRuns?: BlueprintRunsRepository;
  /** The address people open (TANDEM_PUBLIC_URL), for links in PRs and messages. */
  publicUrl?: string;
  logger: AppLogger;
}): SessionWork {
  // Commits are made by the server even where nothing is pushed; one store for runs and updates.
  const commits = deps.shipping?.commits ?? createCommitStore();
  // Blueprint runs drive the agent service's runs in the session's sandbox.
  const runs = createBlueprintService({
    agents: deps.agents,
    commits,
    change: (sessionId, apply) => deps.docHost.change(sessionId, apply),
    read: (sessionId, read) => deps.docHost.read(sessionId, read),
    sandboxFor: async (sessionId) => {
      if (!deps.runtime) throw new Error('this server runs without sandboxes, so a blueprint has nowhere to run');
      return (await deps.runtime.ensureStarted(sessionId)).sandbox;
    },
    shipping: deps.shipping,
    publicUrl: deps.publicUrl,
    runStore: deps.blueprintRuns,
    redact: deps.secrets && ((sessionId, text) => deps.secrets!.redactorFor(sessionId).redact(text)),
    logger: deps.logger,
  });
  const workspaceUpdates = createWorkspaceUpdates({
    service: deps.sessions,
    runtime: deps.runtime,
    commits,
    busy: (sessionId) =>
      runs.isActive(sessionId)
        ? 'A blueprint run is going in this session; update once it has ended'
        : deps.agents.isRunning(sessionId)
          ? 'The agent is working in this session; update once it has finished (or stop it)'
          : null,
  });
  return { runs, workspaceUpdates };
}
