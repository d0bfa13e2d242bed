import { randomBytes } from 'node:crypto';
import { appendTranscriptEntry, markNetworkHostAllowed, recordNetworkDenial } from '@tandem/shared/doc/accessors.js';
import { Origin } from '@tandem/shared/doc/origins.js';
import type { EnvironmentApprovalResponse } from '@tandem/shared/protocol/network.js';
import type { NetworkRepository } from '../db/repositories/network.js';
import { sessionScope, setupScope } from '../db/repositories/network.js';
import { ENVIRONMENT_FILE_PATH, parseRepoEnvironment, RepoEnvironmentError, type RepoEnvironmentFile } from '../environment/repo-environment.js';
import { SandboxError, type Sandbox } from '../sandbox/provider.js';
import type { DocHost } from '../sync/doc-host.js';
import type { HostRule, NetworkPolicy } from './connection-policy.js';
import { redactAttempt, type ProxyAttempt } from './egress-proxy.js';

/**
 * The executor of a session's network: computes the policy from the store (the repo's approved
 * widening, the hosts editors opened), sets it on the live sandbox, and records every attempt (the
 * store) and every refusal (the doc, for people to see live). Decisions read the store, never the doc.
 */

export interface SessionEnvironment {
  file: RepoEnvironmentFile | null;
  error: string | null;
}

/** Pure: a session's policy. Sessions reach nothing by default; the repo's hosts count only once its owner approved that exact file. */
export function decideSessionPolicy(environment: SessionEnvironment, ownerApproved: boolean, opened: ReadonlyArray<{ host: string; openedByName: string }>): NetworkPolicy {
  const rules: HostRule[] = [];
  if (environment.file && ownerApproved) for (const pattern of environment.file.environment.network?.session ?? []) rules.push({ pattern, source: 'repo' });
  for (const host of opened) rules.push({ pattern: host.host, source: 'session', openedBy: host.openedByName });
  return { phase: 'session', rules };
}

/** The environment file of the snapshot the session started from (the repo's, not what the agent may have written since). */
export async function readSessionEnvironment(sandbox: Sandbox): Promise<SessionEnvironment> {
  try {
    const bytes = sandbox.readBaseFile ? await sandbox.readBaseFile(ENVIRONMENT_FILE_PATH) : await sandbox.readFile(ENVIRONMENT_FILE_PATH);
    if (bytes === null) return { file: null, error: null };
    return { file: parseRepoEnvironment(new TextDecoder().decode(bytes)), error: null };
  } catch (error) {
    if (error instanceof SandboxError && error.code === 'not-found') return { file: null, error: null };
    if (error instanceof RepoEnvironmentError || error instanceof SandboxError) return { file: null, error: error.message };
    throw error;
  }
}

export interface SessionNetworkDeps {
  store: NetworkRepository;
  sessions: { findById(id: string): Promise<{ repo: string; ownerId: string } | undefined | null> };
  users: { findById(id: string): Promise<{ name: string } | undefined | null> };
  docHost: Pick<DocHost, 'change' | 'apply'>;
  /** The session's redactor: the store keeps no secret value a sandbox used as a host name. */
  redact: (sessionId: string, text: string) => string;
  logger: { error(message: string, error?: unknown): void };
}

export function createSessionNetwork(deps: SessionNetworkDeps) {
  const live = new Map<string, { sandbox: Sandbox; environment: SessionEnvironment; unsubscribe(): void }>();

  async function policyFor(sessionId: string, environment: SessionEnvironment): Promise<NetworkPolicy> {
    const session = await deps.sessions.findById(sessionId);
    if (!session) return { phase: 'session', rules: [] };
    const approved = environment.file ? await deps.store.isApproved(session.repo, environment.file.hash, session.ownerId) : false;
    const opened = await Promise.all(
      (await deps.store.openedHosts(sessionId)).map(async (row) => ({ host: row.host, openedByName: (await deps.users.findById(row.openedBy))?.name ?? 'someone' })),
    );
    return decideSessionPolicy(environment, approved, opened);
  }

  function record(sessionId: string, asked: ProxyAttempt): void {
    const attempt = redactAttempt(asked, (text) => deps.redact(sessionId, text));
    deps.store
      .recordAttempt({ ...attempt, scope: sessionScope(sessionId), sessionId })
      .catch((error: unknown) => deps.logger.error(`session ${sessionId}: a network attempt could not be recorded`, error));
    if (attempt.allowed) return;
    deps.docHost
      .apply(sessionId, (doc) => recordNetworkDenial(doc, { host: attempt.host, port: attempt.port, phase: attempt.phase, reason: attempt.reason, lastAt: attempt.atMs }, Origin.sandbox))
      .catch((error: unknown) => deps.logger.error(`session ${sessionId}: a network refusal could not be shown`, error));
  }

  async function refresh(sessionId: string): Promise<void> {
    const entry = live.get(sessionId);
    if (!entry?.sandbox.network) return;
    entry.sandbox.network.setPolicy(await policyFor(sessionId, entry.environment));
  }

  return {
    decideSessionPolicy,

    /** Gives a session's sandbox its policy and starts recording its attempts. Providers with their own controls (e2b) are left as they are. */
    async attach(sessionId: string, sandbox: Sandbox): Promise<void> {
      if (!sandbox.network) return;
      const environment = await readSessionEnvironment(sandbox);
      live.get(sessionId)?.unsubscribe();
      const unsubscribe = sandbox.network.onAttempt((attempt) => record(sessionId, attempt));
      live.set(sessionId, { sandbox, environment, unsubscribe });
      await refresh(sessionId);
    },

    detach(sessionId: string): void {
      live.get(sessionId)?.unsubscribe();
      live.delete(sessionId);
    },

    /** What the approval screen shows; `environment` from the live sandbox, else read now from `sandbox`. */
    async approval(sessionId: string, viewerIsOwner: boolean, sandbox?: Sandbox): Promise<EnvironmentApprovalResponse> {
      const environment = live.get(sessionId)?.environment ?? (sandbox ? await readSessionEnvironment(sandbox) : { file: null, error: null });
      const session = await deps.sessions.findById(sessionId);
      const approved = environment.file && session ? await deps.store.isApproved(session.repo, environment.file.hash, session.ownerId) : false;
      return {
        file: environment.file ? { path: ENVIRONMENT_FILE_PATH, text: environment.file.text, hash: environment.file.hash } : null,
        error: environment.error,
        network: { setup: environment.file?.environment.network?.setup ?? [], session: environment.file?.environment.network?.session ?? [] },
        approved,
        canApprove: viewerIsOwner && environment.file !== null,
      };
    },

    /**
     * The owner approves the file they were shown (by its hash): refused when the session's file is
     * another (it changed since), so what takes effect is exactly what they read.
     */
    async approve(sessionId: string, ownerId: string, ownerName: string, hash: string): Promise<'approved' | 'changed' | 'no-file'> {
      const entry = live.get(sessionId);
      const session = await deps.sessions.findById(sessionId);
      if (!entry?.environment.file || !session) return 'no-file';
      if (entry.environment.file.hash !== hash) return 'changed';
      await deps.store.approve(session.repo, hash, ownerId);
      await refresh(sessionId);
      const hosts = entry.environment.file.environment.network?.session ?? [];
      const setupHosts = entry.environment.file.environment.network?.setup ?? [];
      // Setup runs when a snapshot is built, before any session of it: the widening applies from the next build.
      const setupNote = setupHosts.length ? ` Its setup script may reach ${setupHosts.join(', ')} from the next snapshot build on.` : '';
      await deps.docHost.change(sessionId, (doc) =>
        appendTranscriptEntry(
          doc,
          {
            kind: 'system-notice',
            id: `n_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`,
            level: 'info',
            text: `${ownerName} approved the repo's ${ENVIRONMENT_FILE_PATH}: the sandbox may now reach ${hosts.length ? hosts.join(', ') : 'nothing more'} for this session.${setupNote}`,
            createdAt: Date.now(),
          },
          Origin.sandbox,
        ),
      );
      return 'approved';
    },

    /** An editor opens one host for the rest of the session; said in the transcript with their name. */
    async allowHost(sessionId: string, host: string, user: { id: string; name: string }): Promise<void> {
      const added = await deps.store.openHost(sessionId, host, user.id);
      await refresh(sessionId);
      const hostName = host.replace(/:\d+$/, '');
      await deps.docHost.change(sessionId, (doc) => {
        markNetworkHostAllowed(doc, hostName, user.name, Origin.sandbox);
        if (!added) return;
        appendTranscriptEntry(
          doc,
          { kind: 'system-notice', id: `n_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`, level: 'info', text: `${user.name} allowed the sandbox to reach ${host} for the rest of this session.`, createdAt: Date.now() },
          Origin.sandbox,
        );
      });
    },

    /** What the session's sandbox tried, and what its repo's setup script tried when its snapshots were built. */
    async attempts(sessionId: string) {
      const session = await deps.sessions.findById(sessionId);
      const [attempts, setup, opened] = await Promise.all([
        deps.store.attempts(sessionScope(sessionId)),
        session ? deps.store.attempts(setupScope(session.repo)) : [],
        deps.store.openedHosts(sessionId),
      ]);
      return { attempts: [...attempts, ...setup], opened };
    },

    /** The policy the live sandbox has now (tests and the attempts view). */
    currentPolicy: (sessionId: string) => policyFor(sessionId, live.get(sessionId)?.environment ?? { file: null, error: null }),
  };
}
export type SessionNetwork = ReturnType<typeof createSessionNetwork>;
