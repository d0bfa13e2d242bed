import type * as Y from 'yjs';
import { ErrorCode } from '../../../shared/src/protocol/errors.js';
import type { BlueprintSummary } from '../../../shared/src/protocol/runs.js';
import type { RunView } from '../../../shared/src/doc/run-schema.js';
import type { AgentService } from '../agent/agent-service.js';
import type { Identity } from '../auth/identity-token.js';
import { HttpError, notFound } from '../http/http-error.js';
import type { Sandbox } from '../sandbox/provider.js';
import { BlueprintRunner } from './blueprint-runner.js';
import { BUILT_IN_BLUEPRINTS, findBuiltInBlueprint } from './built-in-blueprints.js';
import type { ShipPlace, Shipping } from './ship/shipping.js';

export interface BlueprintServiceDeps {
  agents: AgentService;
  change<T>(sessionId: string, apply: (doc: Y.Doc) => T): Promise<T>;
  /** The session's sandbox, started if need be. */
  sandboxFor(sessionId: string, repo: string): Promise<Sandbox>;
  /** Where runs push and open PRs; absent, push steps fail saying shipping is off on this server. */
  shipping?: Shipping;
  /** The address people open (TANDEM_PUBLIC_URL); else the origin the run was started from. */
  publicUrl?: string;
  logger: { error(message: string, error?: unknown): void };
}

/** Starts blueprint runs and passes people's acts on their steps to them: one run per session at a time. */
export function createBlueprintService(deps: BlueprintServiceDeps) {
  const runs = new Map<string, BlueprintRunner>();

  function current(sessionId: string): BlueprintRunner {
    const runner = runs.get(sessionId);
    if (!runner) throw notFound('Blueprint run (none has started in this session on this server)');
    return runner;
  }

  const conflict = (reason: string) => new HttpError(409, ErrorCode.BadRequest, reason);

  return {
    list(): BlueprintSummary[] {
      return BUILT_IN_BLUEPRINTS.map((blueprint) => ({
        name: blueprint.name,
        description: blueprint.description,
        nodes: blueprint.nodes.map((node) => ({ id: node.id, kind: node.kind, title: node.title })),
      }));
    },

    async start(session: { id: string; repo: string }, identity: Identity, blueprintName: string, goal: string, origin: string): Promise<RunView> {
      const blueprint = findBuiltInBlueprint(blueprintName);
      if (!blueprint) throw new HttpError(400, ErrorCode.BadRequest, `No blueprint named "${blueprintName}"; there are ${BUILT_IN_BLUEPRINTS.map((known) => known.name).join(', ')}`);
      if (runs.get(session.id)?.isActive) throw conflict('A blueprint run is going in this session; stop it first');
      if (deps.agents.isRunning(session.id)) throw conflict('The agent is running in this session; stop it or wait for it to finish');
      if (!deps.agents.info().configured) throw new HttpError(503, ErrorCode.AgentUnavailable, 'The agent is off on this server (no ANTHROPIC_API_KEY)');
      let place: Promise<ShipPlace> | undefined;
      const shipPlace = (): Promise<ShipPlace> =>
        (place ??= deps.shipping
          ? deps.shipping.placeFor(session.repo)
          : Promise.resolve({ kind: 'unreachable', reason: 'Pushing is off on this server' }));
      const runner: BlueprintRunner = new BlueprintRunner({
        shipPlace,
        sessionUrl: `${(deps.publicUrl ?? origin).replace(/\/+$/, '')}/s/${encodeURIComponent(session.id)}`,
        session,
        blueprint,
        goal,
        startedBy: { id: identity.id, name: identity.name },
        sandbox: () => deps.sandboxFor(session.id, session.repo),
        runAgent: (first, options) => deps.agents.runNode(session, first, options),
        stopAgent: async (byName) => {
          await deps.agents.stop(session.id, { id: 'u_blueprint-stop-0000000', name: byName });
        },
        change: (apply) => deps.change(session.id, apply),
        logger: deps.logger,
        onEnded: () => {
          if (runs.get(session.id) === runner) deps.agents.release(session.id);
        },
      });
      runs.set(session.id, runner);
      // Messages sent between agent nodes wait for the next one instead of starting a second run.
      deps.agents.hold(session.id);
      const started = await runner.start();
      if (started.kind === 'refused') throw conflict(started.reason);
      return runner.view();
    },

    async act(sessionId: string, identity: Identity, action: 'approve' | 'skip' | 'retry', nodeId: string): Promise<RunView> {
      const runner = current(sessionId);
      const wasActive = runner.isActive;
      const outcome = await runner.act(action, nodeId, { id: identity.id, name: identity.name });
      if (outcome.kind === 'refused') throw conflict(outcome.reason);
      // A retried or skipped step of a run that had handed back makes it go again.
      if (!wasActive && runner.isActive) deps.agents.hold(sessionId);
      return runner.view();
    },

    async stop(sessionId: string, identity: Identity): Promise<RunView> {
      const runner = current(sessionId);
      await runner.stop({ name: identity.name });
      return runner.view();
    },

    isActive(sessionId: string): boolean {
      return runs.get(sessionId)?.isActive ?? false;
    },

    /** Server shutdown: every run stops (its agent node is stopped by the agent service). */
    async close(): Promise<void> {
      await Promise.allSettled([...runs.values()].filter((runner) => runner.isActive).map((runner) => runner.stop({ name: 'The server' })));
    },
  };
}
export type BlueprintService = ReturnType<typeof createBlueprintService>;
