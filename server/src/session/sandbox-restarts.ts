import { ErrorCode } from '@tandem/shared/protocol/errors.js';
import type { ChangeSessionResponse, SandboxStartResponse } from '@tandem/shared/protocol/http.js';
import type { Identity } from '../auth/identity-token.js';
import { BadInputError, refusalError, UnavailableError } from '../domain/errors.js';
import { RepoRefusedError } from '../sandbox/repo-location.js';
import { decideSandboxRestart, type SandboxRestartAction } from './sandbox-restart.js';
import type { SessionRuntime } from '../workspace/session-runtime.js';
import type { SessionService } from './session-service.js';

/** A repo the server may not use is bad input that says what is allowed, before anything is stored. */
export async function requireUsableRepo(runtime: Pick<SessionRuntime, 'checkRepo'> | null, repo: string): Promise<void> {
  try {
    await runtime?.checkRepo(repo);
  } catch (error) {
    if (error instanceof RepoRefusedError) throw new BadInputError(error.message);
    throw error;
  }
}

/**
 * Executes decideSandboxRestart: a person starts a failed sandbox again, or the owner points the
 * session at another repo and starts it there. Each is written to the transcript under their name;
 * progress and a new failure reach the doc as on first boot.
 */
export function createSandboxRestarts(deps: { service: SessionService; runtime: SessionRuntime | null }) {
  async function decide(sessionId: string, identity: Identity, action: SandboxRestartAction) {
    const access = await deps.service.requireAccess(sessionId, identity);
    const { runtime } = deps;
    if (!runtime) throw new UnavailableError('This server runs without sandboxes', ErrorCode.SandboxUnavailable);
    const decision = decideSandboxRestart({ action, role: access.role, endedAt: access.session.endedAt, sandbox: runtime.sandboxStatus(sessionId) });
    if (decision.kind === 'refused') throw refusalError(decision.reason, decision.message);
    return { access, runtime, decision };
  }

  /** The start runs on after the answer; its outcome is the doc's to show. */
  const startInBackground = (runtime: SessionRuntime, sessionId: string) => void runtime.restart(sessionId).catch(() => {});

  return {
    async retry(sessionId: string, identity: Identity): Promise<{ status: 200 | 202; body: SandboxStartResponse }> {
      const { runtime, decision } = await decide(sessionId, identity, 'retry');
      if (decision.kind === 'already') return { status: 200, body: { sandbox: decision.sandbox } };
      await deps.service.notePersonAction(sessionId, `${identity.name} retried starting the sandbox`);
      startInBackground(runtime, sessionId);
      return { status: 202, body: { sandbox: 'starting' } };
    },

    async changeRepo(sessionId: string, identity: Identity, repo: string): Promise<ChangeSessionResponse> {
      const { access, runtime } = await decide(sessionId, identity, 'change-repo');
      await requireUsableRepo(runtime, repo);
      // Decided again after the (slow) check: a visit may have started the old repo's sandbox meanwhile.
      await decide(sessionId, identity, 'change-repo');
      const previous = access.session.repo;
      const row = await deps.service.setRepo(sessionId, repo);
      await deps.service.notePersonAction(
        sessionId,
        previous === repo ? `${identity.name} started the sandbox again on ${repo}` : `${identity.name} changed the repo from ${previous} to ${repo} and started the sandbox`,
      );
      startInBackground(runtime, sessionId);
      return { session: deps.service.toSummary(row, access.role), sandbox: 'starting' };
    },
  };
}
export type SandboxRestarts = ReturnType<typeof createSandboxRestarts>;
