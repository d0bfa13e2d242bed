import type * as Y from 'yjs';
import { ErrorCode } from '@tandem/shared/protocol/errors.js';
import type { BlueprintListResponse, EditRunNodeBody } from '@tandem/shared/protocol/runs.js';
import type { RunView } from '@tandem/shared/doc/run-schema.js';
import type { AgentService } from '../agent/agent-service.js';
import type { Identity } from '../auth/identity-token.js';
import { BadInputError, ConflictError, NotFoundError, UnavailableError } from '../domain/errors.js';
import type { Sandbox } from '../sandbox/provider.js';
import type { BlueprintRunsRepository } from '../db/repositories/blueprint-runs.js';
import { BlueprintRunner } from './blueprint-runner.js';
import { copyBlueprint, readCatalog, summarize } from './blueprint-catalog.js';
import type { Blueprint } from './blueprint-schema.js';
import type { CommitPerson } from './commit-step.js';
import { createRunPersistence } from './run-persistence.js';
import { parseRunRecord, type RunRecord } from './run-record.js';
import { createCommitStore, type CommitStore } from './ship/commit-store.js';
import type { ShipPlace, Shipping } from './ship/shipping.js';

export interface BlueprintServiceDeps {
  agents: AgentService;
  change<T>(sessionId: string, apply: (doc: Y.Doc) => T): Promise<T>;
  read<T>(sessionId: string, read: (doc: Y.Doc) => T): Promise<T>;
  /** The session's sandbox, started if need be. */
  sandboxFor(sessionId: string, repo: string): Promise<Sandbox>;
  /** Where runs push and open PRs; absent, push steps fail saying shipping is off on this server. */
  shipping?: Shipping;
  /** The sessions' commits (shared with workspace updates, which move a session's base); else shipping's, else a private one. */
  commits?: CommitStore;
  /** The address people open (TANDEM_PUBLIC_URL); else the origin the run was started from. */
  publicUrl?: string;
  /** Where runs' state is kept across restarts (absent: runs live in this process only). */
  runStore?: BlueprintRunsRepository;
  /** A session's redactor: its commit messages, PRs and stored run records carry no secret value. */
  redact?: (sessionId: string, text: string) => string;
  logger: { error(message: string, error?: unknown): void };
}

interface NewRun {
  session: { id: string; repo: string };
  blueprint: Blueprint;
  goal: string;
  startedBy: CommitPerson;
  sessionUrl: string;
  restored?: RunRecord;
}

/** Starts blueprint runs and passes people's acts on their steps to them: one run per session at a time. */
export function createBlueprintService(deps: BlueprintServiceDeps) {
  const runs = new Map<string, BlueprintRunner>();
  const loading = new Map<string, Promise<BlueprintRunner | undefined>>();
  const persistence = deps.runStore ? createRunPersistence(deps.runStore, deps.logger) : undefined;
  // Commits are made by the server even where nothing is pushed.
  const commits = deps.commits ?? deps.shipping?.commits ?? createCommitStore();

  /** The session's run: this process's, else its latest from the store (a restarted server goes on with it). */
  async function runnerFor(sessionId: string): Promise<BlueprintRunner | undefined> {
    const known = runs.get(sessionId);
    if (known || !deps.runStore) return known;
    let load = loading.get(sessionId);
    if (!load) {
      load = loadStored(sessionId).finally(() => loading.delete(sessionId));
      loading.set(sessionId, load);
    }
    return load;
  }

  async function loadStored(sessionId: string): Promise<BlueprintRunner | undefined> {
    const stored = await deps.runStore!.latestForSession(sessionId);
    if (!stored) return undefined;
    const parsed = parseRunRecord(stored.record);
    if (parsed.kind === 'unreadable') {
      deps.logger.error(`blueprint run ${stored.id} of session ${sessionId} can't be restored: ${parsed.reason}`);
      return undefined;
    }
    const { record } = parsed;
    if (runs.has(sessionId)) return runs.get(sessionId);
    const runner = createRunner({ session: { id: record.sessionId, repo: record.repo }, blueprint: record.blueprint, goal: record.goal, startedBy: record.startedBy, sessionUrl: record.sessionUrl, restored: record });
    if (runner.isActive) {
      deps.agents.hold(sessionId);
      await runner.resume();
    }
    return runner;
  }

  async function current(sessionId: string): Promise<BlueprintRunner> {
    const runner = await runnerFor(sessionId);
    if (!runner) throw NotFoundError.of('Blueprint run (none has started in this session)');
    return runner;
  }

  function createRunner(run: NewRun): BlueprintRunner {
    const { session } = run;
    let place: Promise<ShipPlace> | undefined;
    const shipPlace = (): Promise<ShipPlace> =>
      (place ??= deps.shipping
        ? deps.shipping.placeFor(session.repo)
        : Promise.resolve({ kind: 'unreachable', reason: 'Pushing is off on this server' }));
    const runner: BlueprintRunner = new BlueprintRunner({
      shipPlace,
      commitStore: () => commits.repoFor(session.id),
      draftText: (request) => deps.agents.draft(session.id, request),
      redact: deps.redact && ((text) => deps.redact!(session.id, text)),
      sessionUrl: run.sessionUrl,
      session,
      blueprint: run.blueprint,
      goal: run.goal,
      startedBy: run.startedBy,
      sandbox: () => deps.sandboxFor(session.id, session.repo),
      runAgent: (first, options) => deps.agents.runNode(session, first, options),
      stopAgent: async (byName) => {
        await deps.agents.stop(session.id, { id: 'u_blueprint-stop-0000000', name: byName });
      },
      change: (apply) => deps.change(session.id, apply),
      read: (read) => deps.read(session.id, read),
      logger: deps.logger,
      onEnded: () => {
        if (runs.get(session.id) === runner) deps.agents.release(session.id);
      },
      restored: run.restored,
      persist: persistence?.persist,
    });
    runs.set(session.id, runner);
    return runner;
  }

  const conflict = (reason: string) => new ConflictError(reason);

  return {
    /** The built-ins and the session's repo blueprints (read from its workspace now), and the repo files that could not be used. */
    async list(session: { id: string; repo: string }): Promise<BlueprintListResponse> {
      const catalog = await readCatalog(() => deps.sandboxFor(session.id, session.repo));
      return { blueprints: catalog.entries.map(summarize), invalid: catalog.problems };
    },

    async start(session: { id: string; repo: string }, identity: Identity, blueprintName: string, goal: string, origin: string): Promise<RunView> {
      if ((await runnerFor(session.id))?.isActive) throw conflict('A blueprint run is going in this session; stop it first');
      if (deps.agents.isRunning(session.id)) throw conflict('The agent is running in this session; stop it or wait for it to finish');
      if (!deps.agents.info().configured) throw new UnavailableError('The agent is off on this server (no ANTHROPIC_API_KEY)', ErrorCode.AgentUnavailable);
      // Read now, from the workspace as it is: a repo blueprint may have been added or fixed since the list was shown.
      const catalog = await readCatalog(() => deps.sandboxFor(session.id, session.repo));
      const entry = catalog.entries.find((candidate) => candidate.blueprint.name === blueprintName);
      if (!entry) {
        const broken = catalog.problems.length > 0 ? ` (${catalog.problems.length} repo blueprint file problem${catalog.problems.length === 1 ? '' : 's'}: ${catalog.problems.map((problem) => `${problem.file}:${problem.line}`).join(', ')})` : '';
        throw new BadInputError(`No blueprint named "${blueprintName}"; there are ${catalog.entries.map((known) => known.blueprint.name).join(', ')}${broken}`);
      }
      const runner = createRunner({
        session,
        // The run's own copy: people's edits to its steps change this run only.
        blueprint: copyBlueprint(entry.blueprint),
        goal,
        startedBy: { id: identity.id, name: identity.name },
        sessionUrl: `${(deps.publicUrl ?? origin).replace(/\/+$/, '')}/s/${encodeURIComponent(session.id)}`,
      });
      // Messages sent between agent nodes wait for the next one instead of starting a second run.
      deps.agents.hold(session.id);
      const started = await runner.start();
      if (started.kind === 'refused') throw conflict(started.reason);
      return runner.view();
    },

    async act(sessionId: string, identity: Identity, action: 'approve' | 'skip' | 'retry', nodeId: string): Promise<RunView> {
      const runner = await current(sessionId);
      const wasActive = runner.isActive;
      const outcome = await runner.act(action, nodeId, { id: identity.id, name: identity.name });
      if (outcome.kind === 'refused') throw conflict(outcome.reason);
      // A retried or skipped step of a run that had handed back makes it go again.
      if (!wasActive && runner.isActive) deps.agents.hold(sessionId);
      return runner.view();
    },

    /** New parameters for a step that has not run yet; 409 for one that has. */
    async edit(sessionId: string, identity: Identity, nodeId: string, edit: EditRunNodeBody): Promise<RunView> {
      const runner = await current(sessionId);
      const decision = await runner.editNode(nodeId, edit, { id: identity.id, name: identity.name });
      // node-edits.ts still answers in statuses (its owner's to change): 404 not found, 409 conflict, 400 bad input.
      if (decision.kind === 'refused') throw decision.status === 404 ? new NotFoundError(decision.reason) : decision.status === 409 ? new ConflictError(decision.reason) : new BadInputError(decision.reason);
      return runner.view();
    },

    async stop(sessionId: string, identity: Identity): Promise<RunView> {
      const runner = await current(sessionId);
      await runner.stop({ name: identity.name });
      return runner.view();
    },

    isActive(sessionId: string): boolean {
      return runs.get(sessionId)?.isActive ?? false;
    },

    /** Server start: goes on with every run the store says was running or waiting (see decideRestore). */
    async restoreActive(): Promise<void> {
      if (!deps.runStore) return;
      const sessionIds = await deps.runStore.sessionsWithActiveRuns();
      await Promise.allSettled(sessionIds.map((sessionId) => runnerFor(sessionId).catch((error: unknown) => deps.logger.error(`blueprint run of session ${sessionId} could not be restored`, error))));
    },

    /**
     * Server shutdown. With a store, runs are left as they are there (the next server goes on with them)
     * and only this process's work on them ends; without one, every run stops.
     */
    async close(): Promise<void> {
      const active = [...runs.values()].filter((runner) => runner.isActive);
      if (!persistence) {
        await Promise.allSettled(active.map((runner) => runner.stop({ name: 'The server' })));
        return;
      }
      await Promise.allSettled([...loading.values()]);
      for (const runner of runs.values()) runner.suspend();
      await persistence.flush();
    },
  };
}
export type BlueprintService = ReturnType<typeof createBlueprintService>;
