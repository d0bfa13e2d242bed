import type { CheckFailure } from '@tandem/shared/doc/run-schema.js';
import type { CiNode, PullRequestNode } from '../blueprint-schema.js';
import { waitForCi } from './ci-wait.js';
import type { ShipPlace } from './shipping.js';

/**
 * The push, pull-request and CI nodes: deterministic server code around git and GitHub. Each returns
 * what happened as the engine reads it (passed, failed, or skipped with a reason) and what the run
 * view should show; the runner turns that into the engine's event.
 */
export type ShipNodeResult =
  | { kind: 'passed'; message: string; failures?: undefined }
  | { kind: 'skipped'; message: string }
  | { kind: 'failed'; message: string; failures?: CheckFailure[]; total?: number };

export interface CommittedBranch {
  sha: string;
  branch: string;
  baseSha?: string;
}

export async function runPushNode(
  input: { place: ShipPlace; commit: CommittedBranch | undefined; store: string; signal: AbortSignal },
): Promise<ShipNodeResult & { pushed?: { sha: string; branch: string; remote: string } }> {
  const { commit, place } = input;
  if (!commit) return { kind: 'skipped', message: 'Nothing was committed, so there is nothing to push.' };
  if (place.kind === 'unreachable') return { kind: 'failed', message: place.reason };
  if (!commit.baseSha) return { kind: 'failed', message: 'The commit the session started from is unknown (the repo had no commit?), so Tandem cannot tell which commits to push.' };
  // The server's own commit, from its own store: nothing in the sandbox names what is shipped.
  const outcome = await place.target.push({ branch: commit.branch, baseSha: commit.baseSha, sha: commit.sha, store: input.store, signal: input.signal });
  if (outcome.kind === 'failed') return { kind: 'failed', message: outcome.reason };
  return { kind: 'passed', message: `Pushed ${commit.branch} (${outcome.sha.slice(0, 10)}) to ${outcome.remote}`, pushed: { sha: outcome.sha, branch: commit.branch, remote: outcome.remote } };
}

export async function runPullRequestNode(input: {
  spec: PullRequestNode;
  place: ShipPlace;
  pushed: { sha: string; branch: string } | undefined;
  title: string;
  body: string;
}): Promise<ShipNodeResult & { pullRequest?: { number: number; url: string; draft: boolean } }> {
  const { place } = input;
  if (place.kind === 'local') return { kind: 'skipped', message: `The branch is in the local repo ${place.target.remote}; a pull request needs a GitHub repo.` };
  if (place.kind === 'unreachable') return { kind: 'skipped', message: place.reason };
  if (!input.pushed) return { kind: 'skipped', message: 'Nothing was pushed, so there is no pull request to open.' };
  try {
    const pullRequest = await place.api.openDraftPullRequest({ repo: place.repo, branch: input.pushed.branch, title: input.title, body: input.body, draft: input.spec.draft });
    const verb = pullRequest.created ? `Opened ${pullRequest.draft ? 'draft ' : ''}pull request` : 'Updated pull request';
    return { kind: 'passed', message: `${verb} #${pullRequest.number}: ${pullRequest.url}`, pullRequest: { number: pullRequest.number, url: pullRequest.url, draft: pullRequest.draft } };
  } catch (error) {
    return { kind: 'failed', message: `GitHub refused the pull request (does GITHUB_TOKEN have pull-requests: write on ${place.remote}?): ${error instanceof Error ? error.message : String(error)}` };
  }
}

export async function runCiNode(input: {
  spec: CiNode;
  place: ShipPlace;
  pushed: { sha: string } | undefined;
  signal: AbortSignal;
  onProgress(text: string): void;
}): Promise<ShipNodeResult> {
  const { place } = input;
  if (place.kind !== 'github') return { kind: 'skipped', message: place.kind === 'local' ? 'CI runs on GitHub; this repo is a local folder.' : place.reason };
  if (!input.pushed) return { kind: 'skipped', message: 'Nothing was pushed, so there is no CI to wait for.' };
  const outcome = await waitForCi(place.api, place.repo, input.pushed.sha, { ...input.spec, signal: input.signal, onProgress: input.onProgress });
  switch (outcome.kind) {
    case 'passed':
      return { kind: 'passed', message: outcome.summary };
    case 'none':
      return { kind: 'skipped', message: outcome.reason };
    case 'failed':
      return { kind: 'failed', message: outcome.summary, failures: outcome.failures, total: outcome.total };
    case 'error':
      return { kind: 'failed', message: outcome.reason };
    default:
      return outcome satisfies never;
  }
}
