import type { UpdateWorkspaceResponse } from '@tandem/shared/protocol/http.js';
import { canEditSession } from '@tandem/shared/roles.js';
import type { Identity } from '../auth/identity-token.js';
import { personEmail } from '../blueprint/commit-step.js';
import { LAST_COMMIT_REF, recordBase, storedRef, type CommitStore } from '../blueprint/ship/commit-store.js';
import { ConflictError, DeniedError, FailedError } from '../domain/errors.js';
import { shortCommit } from '../workspace/snapshot-notices.js';
import type { SessionRuntime } from '../workspace/session-runtime.js';
import type { SessionService } from './session-service.js';
import { dependencyFilesAmong, namePaths, parseWorkspaceUpdate, WORKSPACE_UPDATE_TIMEOUT_MS, workspaceUpdateScript } from './workspace-update.js';

/** Why a session cannot take an update now, from what runs in it (null: nothing does). */
export type BusyCheck = (sessionId: string) => string | null;

const conflict = (message: string) => new ConflictError(message);

/**
 * Executes "Update to <commit>" (workspace-update.ts): who may, when, and what the session is told.
 * Refused, changing nothing, for a viewer, an ended or stopped session, a running agent or blueprint,
 * a click on a commit the repo is no longer at, and a session whose commits the server already keeps
 * (their parent is the old commit: a new session from the new one is the honest way on).
 */
export function createWorkspaceUpdates(deps: { service: SessionService; runtime: SessionRuntime | null; busy: BusyCheck; commits: CommitStore }) {
  return {
    async update(sessionId: string, identity: Identity, commit: string): Promise<UpdateWorkspaceResponse> {
      const access = await deps.service.requireAccess(sessionId, identity);
      if (!canEditSession(access.role)) throw new DeniedError('Viewers cannot update the workspace; ask the owner for an editor link');
      if (access.session.endedAt) throw conflict('This session has ended; start a new session from the repo');
      const { runtime } = deps;
      if (!runtime || runtime.sandboxStatus(sessionId) !== 'running') throw conflict("This session's sandbox is not running; open the session to start it, then update");
      const origin = runtime.workspaceOrigin(sessionId);
      if (!origin) throw conflict('This session resumed a saved workspace, which is not updated from the repo; start a new session to work on the repo as it is now');
      if (!origin.movedTo) throw conflict(`The workspace is at the repo's latest snapshot (${shortCommit(origin.commit)}); there is nothing to update to`);
      if (origin.movedTo !== commit) throw conflict(`The repo has moved on to ${shortCommit(origin.movedTo)}; reload the page and update to that`);
      const busy = deps.busy(sessionId);
      if (busy) throw conflict(busy);
      const store = await deps.commits.repoFor(sessionId);
      if (await storedRef(store, LAST_COMMIT_REF)) {
        throw conflict(`This session has commits of its own on ${shortCommit(origin.commit)}; start a new session from ${shortCommit(commit)} (or merge it in the terminal)`);
      }

      const bundle = await runtime.bundleSince(origin.repo, origin.commit);
      if (bundle.kind === 'refused') throw conflict(`Could not update: ${bundle.reason}`);
      if (bundle.kind === 'up-to-date') throw conflict('The repo has no commits this workspace lacks');
      const { sandbox } = await runtime.ensureStarted(sessionId);
      const ran = await sandbox.exec(workspaceUpdateScript(commit), {
        stdin: bundle.bytes.toString('base64'),
        timeoutMs: WORKSPACE_UPDATE_TIMEOUT_MS,
        env: { UPDATE_AUTHOR_NAME: identity.name, UPDATE_AUTHOR_EMAIL: personEmail(identity), UPDATE_MESSAGE: `Update to ${shortCommit(commit)} from the repo` },
      });
      const result = parseWorkspaceUpdate(ran.stdout);
      switch (result.kind) {
        case 'fast-forward':
        case 'merged': {
          // The session's commits start from here now: their parent is the new commit, not the old one.
          await recordBase(store, commit);
          const dependencyFiles = dependencyFilesAmong(result.changed);
          const how = result.kind === 'fast-forward' ? 'moved forward' : "merged with the session's own commits";
          const files = `${result.changed.length} file${result.changed.length === 1 ? '' : 's'} changed`;
          const stale = dependencyFiles.length > 0 ? ` ${namePaths(dependencyFiles)} changed: the installed dependencies may be stale, so install them again in a terminal.` : '';
          await runtime.workspaceUpdated(sessionId, commit, identity.name, `${identity.name} updated the workspace to ${shortCommit(commit)} (${how}, ${files}).${stale}`);
          return { outcome: result.kind, commit, changedFiles: result.changed.length, dependencyFiles };
        }
        case 'up-to-date':
          await runtime.workspaceUpdated(sessionId, commit, identity.name, `${identity.name} updated the workspace to ${shortCommit(commit)} (it held that commit already).`);
          return { outcome: 'fast-forward', commit, changedFiles: 0, dependencyFiles: [] };
        case 'local-changes':
          throw conflict(`The update changes files this session changed and has not committed (${namePaths(result.paths)}); commit or undo those changes, then update. Nothing was changed.`);
        case 'conflict':
          throw conflict(`The repo's new commits conflict with this session's commits in ${namePaths(result.paths)}; nothing was changed. Merge ${shortCommit(commit)} in the terminal, or start a new session.`);
        case 'no-git':
          throw conflict('This workspace has no git history of its own (a folder copied without its .git), so it cannot take commits; start a new session');
        case 'missing-target':
          throw conflict(`The repo's commits did not hold ${shortCommit(commit)} (its history was rewritten?); start a new session`);
        case 'failed':
          throw new FailedError(`The update failed in the sandbox: ${result.reason}${ran.timedOut ? ' (it ran out of time)' : ''}. Nothing was changed.`);
        default:
          return result satisfies never;
      }
    },
  };
}
export type WorkspaceUpdates = ReturnType<typeof createWorkspaceUpdates>;
