import { appendTranscriptEntry, recordTiming, writeMeta } from '@tandem/shared/doc/accessors.js';
import { Origin } from '@tandem/shared/doc/origins.js';
import type { SessionMeta } from '@tandem/shared/doc/schema.js';
import { DEFAULT_TERMINAL_ID } from '@tandem/shared/protocol/terminal.js';
import type { SessionRow, SessionsRepository } from '../db/repositories/sessions.js';
import type { Sandbox, SandboxProvider, SnapshotRef } from '../sandbox/provider.js';
import type { RepoBundle } from '../sandbox/local/repo-bundle.js';
import type { SnapshotSource } from '../sandbox/snapshot-manager.js';
import { describeBuildFailure, isBuildFailure } from '../sandbox/snapshot-build-error.js';
import type { WarmPool } from '../sandbox/warm-pool.js';
import { SharedTerminal } from './terminals/shared-terminal.js';
import type { DocHost } from '../sync/doc-host.js';
import { WorkspaceSync } from './files/workspace-sync.js';
import type { ServiceRegistry } from './services/sandbox-services.js';
import type { ServiceLog } from './services/service-log.js';
import { attachSessionServices, type SessionServices } from './services/session-services.js';
import type { ServiceRestartOutcome } from './services/service-restart.js';
import { withSecrets } from '../secrets/secret-sandbox.js';
import type { SessionSecrets } from '../secrets/session-secrets.js';
import type { SessionNetwork } from '../network/session-network.js';
import type { LiveSandboxStatus } from '../session/sandbox-restart.js';
import { LiveWorkspaces } from './live-workspaces.js';
import { createSnapshotNotices } from './snapshot-notices.js';

/** Asked for the sandbox of a session its owner ended. */
export class SessionEndedError extends Error {
  constructor() {
    super('This session has ended; resume it in a new session to keep working');
  }
}

/** What the transcript says when a sandbox could not start: the reason, and the two ways on. */
export function sandboxFailedNotice(reason: string): string {
  return `The sandbox could not start: ${reason}. Once the repo or its .tandem/setup.sh is fixed, an editor can press Try again in the Terminal panel; the owner can also point the session at another repo there.`;
}

/** Most terminals one session may have open at once. */
export const MAX_TERMINALS_PER_SESSION = 8;

export interface RuntimeLogger {
  error(message: string, error?: unknown): void;
}

export interface LiveSession {
  sandbox: Sandbox;
  terminals: Map<string, SharedTerminal>;
  /** The workspace ↔ doc file sync; starts right after the terminal. */
  files: Promise<WorkspaceSync>;
  /** The repo's declared services in this sandbox, shown in the doc. */
  services: SessionServices;
}

/**
 * A session's running parts: its sandbox (from the warm pool, or booted cold over the repo's
 * snapshot) and its shared terminals. Every stage is written to the doc as it happens, so every
 * viewer sees the start-up waterfall and, on failure, what to do next.
 */
export function createSessionRuntime(deps: {
  docHost: DocHost;
  /** The store: whether a session ended and what it resumes are read here, never from the doc. */
  sessions: Pick<SessionsRepository, 'findById' | 'setEndSnapshot'>;
  provider: SandboxProvider;
  snapshots: SnapshotSource;
  pool: WarmPool;
  logger: RuntimeLogger;
  /** Refuses (throws) when a sandbox cap is reached; given the sessions already running or starting one. */
  admit?: (sessionId: string, otherLiveSessionIds: readonly string[]) => Promise<void>;
  /** The services every sandbox of the provider starts at boot (absent: none). */
  services?: ServiceRegistry;
  /** The session's secrets: given to its sandbox's processes as they start, taken out of all their output. */
  secrets?: SessionSecrets;
  /** The session's egress policy, set on its sandbox as it is acquired (a warm one reached nothing until then). */
  network?: SessionNetwork;
  /** Server shutdown around the sandboxes' close: `before` (the snapshot schedule stops), `after` (leftover mounts are reclaimed). */
  onClose?: { before?: () => void; after?: () => Promise<void> };
}) {
  /**
   * Each session's workspace in this process: starting, running, or failed (with why). A failed one
   * stays failed until someone retries or changes the repo (restart): opening the page, a terminal or
   * an agent run does not boot it again, so a failing setup script runs only when a person with the
   * right asks for it. lifecycle.ts decides each step.
   */
  const live = new LiveWorkspaces<LiveSession>((sessionId, bootFailed) =>
    deps.sessions.findById(sessionId).then(async (row) => {
      if (!row) throw new Error(`session ${sessionId} is not in the store`);
      if (row.endedAt) throw new SessionEndedError();
      await deps.admit?.(sessionId, live.othersLive(sessionId));
      return boot(row, bootFailed);
    }),
  );
  const meta = (sessionId: string, patch: Partial<SessionMeta>) =>
    deps.docHost.change(sessionId, (doc) => writeMeta(doc, patch, Origin.sandbox));
  const timing = (sessionId: string, stage: Parameters<typeof recordTiming>[1], reset = false) =>
    deps.docHost.change(sessionId, (doc) => recordTiming(doc, stage, Date.now(), Origin.sandbox, reset));
  const snapshotNotices = createSnapshotNotices({ docHost: deps.docHost, logger: deps.logger });
  deps.snapshots.subscribe?.((event) => snapshotNotices.onEvent(event));

  async function startFileSync(sessionId: string, sandbox: Sandbox): Promise<WorkspaceSync> {
    const { doc, release } = await deps.docHost.hold(sessionId);
    const sync = new WorkspaceSync({ sessionId, sandbox, doc, releaseDoc: release, logger: deps.logger });
    await sync.start();
    return sync;
  }

  async function stopFileSync(session: LiveSession): Promise<void> {
    const sync = await session.files.catch(() => null);
    sync?.stop();
  }

  async function openTerminal(sessionId: string, session: Pick<LiveSession, 'sandbox' | 'terminals'>, terminalId: string): Promise<SharedTerminal> {
    const terminal = new SharedTerminal(terminalId, session.sandbox);
    await terminal.start();
    session.terminals.set(terminalId, terminal);
    await meta(sessionId, { terminals: [...session.terminals.keys()] });
    return terminal;
  }

  /**
   * The snapshot a session starts from: the saved workspace its row says it resumes (set at create,
   * after the caller's rights on that session were checked), or the repo's current one.
   */
  async function snapshotFor(session: SessionRow, repo: string) {
    const sessionId = session.id;
    if (!session.resumedFromSnapshotId) {
      const notes = snapshotNotices.forStart(sessionId);
      const snapshot = await deps.snapshots.ensure(repo, (step) => void meta(sessionId, { sandboxMessage: step }), notes.onNote);
      await notes.settled();
      return { snapshot, resumed: false };
    }
    const saved = await deps.snapshots.saved(session.resumedFromSnapshotId, repo);
    if (!saved) throw new Error('the saved workspace this session resumes is gone (snapshots are kept on this server only); start a new session from the repo');
    return { snapshot: saved, resumed: true };
  }

  /** `bootFailed` runs before the failure is written to the doc, so whoever sees it there can retry at once. */
  async function boot(session: SessionRow, bootFailed: (error: Error) => void): Promise<LiveSession> {
    const sessionId = session.id;
    // The store's repo, not a caller's copy: the owner may have changed it since that was read.
    const repo = session.repo;
    await timing(sessionId, 'requestedAt', true);
    await meta(sessionId, { sandbox: deps.provider.name, sandboxState: 'booting', sandboxMessage: 'Preparing the snapshot', terminals: [], services: [] });
    await snapshotNotices.reset(sessionId);
    try {
      const { snapshot, resumed } = await snapshotFor(session, repo);
      await timing(sessionId, 'snapshotReadyAt');
      // A resumed workspace is its own: its repo's rebuilds do not concern it.
      await snapshotNotices.started(sessionId, snapshot, resumed ? undefined : repo);
      // The warm pool holds sandboxes of repo snapshots only; a resumed workspace boots its own.
      const pooled = resumed ? undefined : deps.pool.take(snapshot);
      await meta(sessionId, { sandboxMessage: pooled ? 'Taking a warm sandbox' : 'Booting a sandbox' });
      const booted = pooled ?? (await deps.provider.create({ sessionId, snapshot }));
      await deps.network?.attach(sessionId, booted);
      // A warm sandbox was booted before its session was known: its secrets come now, per command and shell.
      const sandbox = deps.secrets ? withSecrets(booted, await deps.secrets.attach(sessionId, repo, booted)) : booted;
      await timing(sessionId, 'sandboxAcquiredAt');
      const services = await attachSessionServices({ docHost: deps.docHost, registry: deps.services, sessionId, sandboxId: sandbox.id });
      await sandbox.listFiles('.');
      await timing(sessionId, 'workspaceMountedAt');
      const terminals = new Map<string, SharedTerminal>();
      const terminal = await openTerminal(sessionId, { sandbox, terminals }, DEFAULT_TERMINAL_ID);
      await terminal.firstOutput;
      await timing(sessionId, 'terminalReadyAt');
      await meta(sessionId, { sandboxState: 'ready', sandboxSource: pooled ? 'warm-pool' : 'cold', sandboxMessage: '' });
      // The tree is listed after the terminal is up: a big repo must not delay the prompt.
      const files = startFileSync(sessionId, sandbox);
      files.catch((error: unknown) => deps.logger.error(`session ${sessionId}: file sync failed to start`, error));
      return { sandbox, terminals, files, services };
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      snapshotNotices.forget(sessionId);
      // A build that failed says what and where in its message (its log's tail is in the notice): one line, no stack.
      if (isBuildFailure(error)) deps.logger.error(`session ${sessionId}: sandbox failed to start: ${describeBuildFailure(error).summary}`);
      else deps.logger.error(`session ${sessionId}: sandbox failed to start`, error);
      bootFailed(error instanceof Error ? error : new Error(reason));
      await deps.docHost.change(sessionId, (doc) => {
        writeMeta(doc, { sandboxState: 'failed', sandboxMessage: reason }, Origin.sandbox);
        appendTranscriptEntry(
          doc,
          {
            kind: 'system-notice',
            id: `n_${Date.now().toString(36)}`,
            level: 'error',
            text: sandboxFailedNotice(reason),
            createdAt: Date.now(),
          },
          Origin.sandbox,
        );
      });
      throw error;
    }
  }

  return {
    providerName: deps.provider.name,

    /** Throws RepoRefusedError, saying what is allowed, for a repo this server may not use (checked again at every start). */
    checkRepo: (repo: string) => deps.snapshots.checkRepo(repo),

    /**
     * Starts the session's sandbox and first terminal once; later calls share the same start. A session
     * the store says ended starts none; one whose boot failed stays failed until `restart`. The repo
     * booted is the store's, read as it starts.
     */
    ensureStarted(sessionId: string): Promise<LiveSession> {
      return live.ensure(sessionId);
    },

    /** Starts a sandbox whose last boot failed (or never ran) again, with the store's repo; a running or starting one is shared. */
    restart(sessionId: string): Promise<LiveSession> {
      return live.ensure(sessionId, 'retry');
    },

    /** What this process knows of the session's sandbox, for the retry and repo-change decisions. */
    sandboxStatus(sessionId: string): LiveSandboxStatus {
      const phase = live.phase(sessionId);
      // Nothing hibernates yet; a hibernated workspace has no sandbox in this process.
      return phase === 'hibernated' ? 'none' : phase;
    },

    /** Where a running session's workspace is in its repo's history (undefined: resumed, or not running). */
    workspaceOrigin: (sessionId: string) => (live.phase(sessionId) === 'running' ? snapshotNotices.origin(sessionId) : undefined),
    /** The repo's commits since `fromCommit`, for a running workspace to take in. */
    bundleSince: async (repo: string, fromCommit: string): Promise<RepoBundle> =>
      deps.snapshots.bundleSince ? deps.snapshots.bundleSince(repo, fromCommit) : { kind: 'refused', reason: `the ${deps.provider.name} sandboxes clone the repo themselves; start a new session` },
    /** Tells the session (meta and transcript) that its workspace is at `commit` now. */
    workspaceUpdated: (sessionId: string, commit: string, byName: string, text: string) => snapshotNotices.updated(sessionId, commit, byName, text),

    /** The session's file sync, once its sandbox runs. */
    async files(sessionId: string): Promise<WorkspaceSync> {
      return (await this.ensureStarted(sessionId)).files;
    },

    /** A shell, or a service's read-only log. */
    async terminal(sessionId: string, terminalId: string): Promise<SharedTerminal | ServiceLog | undefined> {
      const session = await live.current(sessionId);
      return session?.terminals.get(terminalId) ?? session?.services.services?.supervisor.logByTerminalId(terminalId);
    },

    /** Starts a declared service of the session's running sandbox again. */
    async restartService(sessionId: string, name: string): Promise<ServiceRestartOutcome> {
      const session = await live.current(sessionId)?.catch(() => undefined);
      if (!session) return 'no-sandbox';
      return session.services.services?.supervisor.restart(name) ? 'restarted' : 'unknown-service';
    },

    async addTerminal(sessionId: string): Promise<string> {
      const session = await this.ensureStarted(sessionId);
      if (session.terminals.size >= MAX_TERMINALS_PER_SESSION) {
        throw new Error(`A session has at most ${MAX_TERMINALS_PER_SESSION} terminals; close one first`);
      }
      let number = 1;
      while (session.terminals.has(`t${number}`)) number += 1;
      await openTerminal(sessionId, session, `t${number}`);
      return `t${number}`;
    },

    /**
     * Ends a session: people's last edits reach the workspace, the workspace is kept as a snapshot
     * (when the provider can), and the sandbox closes. Returns the snapshot, if one was made.
     */
    async end(sessionId: string): Promise<SnapshotRef | undefined> {
      const session = await live.current(sessionId)?.catch(() => undefined);
      if (!session) return undefined;
      const files = await session.files.catch(() => null);
      await files?.flushAll();
      const snapshot = session.sandbox.snapshot ? await session.sandbox.snapshot() : undefined;
      await this.stop(sessionId);
      if (snapshot) {
        await deps.sessions.setEndSnapshot(sessionId, { id: snapshot.id, builtAt: new Date(snapshot.builtAtMs) });
        await meta(sessionId, { endSnapshot: { id: snapshot.id, builtAtMs: snapshot.builtAtMs } });
      }
      return snapshot;
    },

    async stop(sessionId: string): Promise<void> {
      const session = await live.stop(sessionId);
      snapshotNotices.forget(sessionId);
      if (!session) return;
      session.services.detach();
      deps.network?.detach(sessionId);
      deps.secrets?.detach(sessionId);
      await stopFileSync(session);
      for (const terminal of session.terminals.values()) terminal.close();
      await session.sandbox.close();
      await meta(sessionId, { sandboxState: 'stopped', terminals: [], services: [] });
    },

    /** Resolves once the warm pool has finished booting (benchmarks measure a full pool). */
    warmPoolSettled: () => deps.pool.settled(),

    /** Server shutdown: closes every sandbox (they cannot outlive their server). */
    async close(): Promise<void> {
      deps.onClose?.before?.();
      const sessions = await Promise.allSettled(live.starts());
      live.clear();
      snapshotNotices.clear();
      for (const result of sessions) {
        if (result.status !== 'fulfilled') continue;
        await stopFileSync(result.value);
        for (const terminal of result.value.terminals.values()) terminal.close();
        await result.value.sandbox.close().catch((error: unknown) => deps.logger.error('sandbox close failed', error));
      }
      await deps.pool.close();
      await deps.onClose?.after?.();
    },
  };
}
export type SessionRuntime = ReturnType<typeof createSessionRuntime>;
