import { parseRepoReference, resolveRepo, RepoRefusedError, type RepoPolicy } from '../../sandbox/repo-location.js';
import { createGitHubApi, type GitHubApi } from './github-api.js';
import { createGitHubPushTarget } from './github-push.js';
import { describeGitHubRepo, parseGitHubRepo, type GitHubHost, type GitHubRepo } from './github-repo.js';
import { createCommitStore, type CommitStore } from './commit-store.js';
import { createLocalRepoPushTarget } from './local-repo-push.js';
import type { PushTarget } from './push-target.js';

/** Where a session's work can be shipped, decided from its repo string and the server's settings. */
export type ShipPlace =
  | { kind: 'local'; target: PushTarget }
  | { kind: 'github'; repo: GitHubRepo; remote: string; target: PushTarget; api: GitHubApi }
  /** A place the push node cannot reach; `reason` says what would make it work. */
  | { kind: 'unreachable'; reason: string };

export interface ShippingConfig {
  /** The same policy snapshots use: a local repo is pushed into only where it could be snapshotted. */
  repoPolicy: RepoPolicy;
  github: GitHubHost;
  /** Where the server keeps the commits it makes for sessions (in its data dir); absent, a private temporary folder. */
  commitsDir?: string;
}

export function createShipping(config: ShippingConfig) {
  const commits: CommitStore = createCommitStore(config.commitsDir);
  return {
    commits,
    async placeFor(repo: string): Promise<ShipPlace> {
      const github = parseGitHubRepo(repo, config.github);
      if (github) {
        const remote = describeGitHubRepo(github, config.github);
        const token = config.github.token;
        if (!token) return { kind: 'unreachable', reason: `${remote} is a GitHub repo and this server has no GITHUB_TOKEN; set one with contents and pull-requests write access to push and open PRs` };
        return { kind: 'github', repo: github, remote, target: createGitHubPushTarget(github, { ...config.github, token }), api: createGitHubApi({ apiUrl: config.github.apiUrl, token }) };
      }
      const reference = parseRepoReference(repo, config.repoPolicy.cwd ?? process.cwd());
      if (reference.kind === 'remote') {
        return { kind: 'unreachable', reason: `Tandem pushes to local repos and to GitHub (${config.github.webUrl}); ${reference.url} is neither, so the branch stays in the session` };
      }
      try {
        const resolved = await resolveRepo(repo, config.repoPolicy);
        if (resolved.kind !== 'local') return { kind: 'unreachable', reason: 'The repo is not a local folder' };
        return { kind: 'local', target: createLocalRepoPushTarget(resolved.realPath) };
      } catch (error) {
        if (error instanceof RepoRefusedError) return { kind: 'unreachable', reason: error.message };
        throw error;
      }
    },
  };
}
export type Shipping = ReturnType<typeof createShipping>;
