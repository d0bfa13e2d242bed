import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LOCAL_GIT_PROTOCOLS, REMOTE_GIT_PROTOCOLS } from '../../sandbox/repo-location.js';
import { describeGitHubRepo, gitUrlOf, type GitHubHost, type GitHubRepo } from './github-repo.js';
import { gitComplaint, hostGit } from './host-git.js';
import type { PushOutcome, PushRequest, PushTarget } from './push-target.js';

/**
 * A GitHub repo: the server pushes its own commit with its token, from a scratch repo that borrows
 * the session's commit store and holds the session's base commit (fetched shallow from GitHub, never
 * from a sandbox). The token travels in an HTTP header set through the environment: never in a URL,
 * an argument, the sandbox or a log. No force.
 */
export function createGitHubPushTarget(repo: GitHubRepo, host: GitHubHost & { token: string }): PushTarget {
  const url = gitUrlOf(repo, host);
  const protocols = url.startsWith('file:') ? LOCAL_GIT_PROTOCOLS : REMOTE_GIT_PROTOCOLS;
  const basic = Buffer.from(`x-access-token:${host.token}`).toString('base64');
  const config = { 'http.extraHeader': `Authorization: Basic ${basic}` };
  const remote = describeGitHubRepo(repo, host);
  return {
    kind: 'github',
    remote,
    async push(request: PushRequest): Promise<PushOutcome> {
      const scratch = await mkdtemp(path.join(os.tmpdir(), 'tandem-github-push-'));
      try {
        const options = { protocols, config, signal: request.signal };
        const git = (...args: string[]) => hostGit(['-C', scratch, ...args], options);
        const init = await hostGit(['init', '--quiet', '--bare', scratch], options);
        if (init.exitCode !== 0) return { kind: 'failed', reason: `git init failed: ${gitComplaint(init)}` };
        await writeFile(path.join(scratch, 'objects', 'info', 'alternates'), `${path.join(request.store, 'objects')}\n`);
        const base = await git('fetch', '--quiet', '--no-tags', '--depth=1', url, request.baseSha);
        if (base.exitCode !== 0) {
          return { kind: 'failed', reason: `Could not read the session's base commit ${request.baseSha.slice(0, 10)} from ${remote} (is GITHUB_TOKEN allowed to read it, and is the commit still there?): ${gitComplaint(base)}` };
        }
        const known = await git('cat-file', '-e', `${request.sha}^{commit}`);
        if (known.exitCode !== 0) return { kind: 'failed', reason: `The commit ${request.sha.slice(0, 10)} is not among the commits this server made for the session; run the commit step again` };
        const ref = `refs/heads/${request.branch}`;
        const pushed = await git('push', '--quiet', '--porcelain', '--no-verify', url, `${request.sha}:${ref}`);
        if (pushed.exitCode !== 0) {
          const complaint = gitComplaint(pushed);
          if (/non-fast-forward|fetch first|rejected/i.test(complaint)) {
            return { kind: 'failed', reason: `${request.branch} on ${remote} has commits this run does not; Tandem never force-pushes. Rename or delete that branch and retry.` };
          }
          return { kind: 'failed', reason: `git push to ${remote} failed (does GITHUB_TOKEN have contents: write?): ${complaint}` };
        }
        return { kind: 'pushed', remote, sha: request.sha };
      } finally {
        await rm(scratch, { recursive: true, force: true });
      }
    },
  };
}
