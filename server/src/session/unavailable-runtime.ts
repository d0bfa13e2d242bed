import { writeMeta } from '@tandem/shared/doc/accessors.js';
import { Origin } from '@tandem/shared/doc/origins.js';
import type { SandboxUnavailable } from '@tandem/shared/protocol/http.js';
import { ErrorCode } from '@tandem/shared/protocol/errors.js';
import { UnavailableError } from '../domain/errors.js';
import { resolveRepo, type RepoPolicy } from '../sandbox/repo-location.js';
import type { DocHost } from '../sync/doc-host.js';
import type { SessionRuntime } from '../workspace/session-runtime.js';

/** Asked for a sandbox on a server that cannot run any; the message ends with the command that fixes it. */
export class SandboxUnavailableError extends UnavailableError {
  constructor(readonly unavailable: SandboxUnavailable) {
    super(unavailable.command ? `${unavailable.reason} Run this on the server, then restart it: ${unavailable.command}` : unavailable.reason, ErrorCode.SandboxUnavailable);
  }
}

/**
 * The runtime of a server whose host lacks what sandboxes need: sessions are made and shared as
 * usual (repos are checked the same way), and every session page is told, through the doc, why
 * there is no sandbox and the one command that fixes it.
 */
export function createUnavailableRuntime(deps: { docHost: DocHost; provider: string; unavailable: SandboxUnavailable; repoPolicy: RepoPolicy }): SessionRuntime {
  const refuse = async (sessionId: string): Promise<never> => {
    await deps.docHost.change(sessionId, (doc) =>
      writeMeta(
        doc,
        { sandbox: deps.provider, sandboxState: 'unavailable', sandboxMessage: deps.unavailable.reason, sandboxFix: deps.unavailable.command ?? '', terminals: [] },
        Origin.sandbox,
      ),
    );
    throw new SandboxUnavailableError(deps.unavailable);
  };
  return {
    providerName: deps.provider,
    checkRepo: async (repo) => {
      await resolveRepo(repo, deps.repoPolicy);
    },
    ensureStarted: refuse,
    restart: refuse,
    sandboxStatus: () => 'none',
    files: refuse,
    workspaceOrigin: () => undefined,
    bundleSince: async () => ({ kind: 'refused', reason: deps.unavailable.reason }) as const,
    workspaceUpdated: async () => {},
    terminal: async () => undefined,
    restartService: async () => 'no-sandbox' as const,
    addTerminal: refuse,
    end: async () => undefined,
    stop: async () => {},
    warmPoolSettled: async () => {},
    close: async () => {},
  };
}
