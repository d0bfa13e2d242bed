import { stat } from 'node:fs/promises';
import { LOCAL_GIT_PROTOCOLS } from '../../sandbox/repo-location.js';
import { withBundleFile } from './bundle-file.js';
import { gitComplaint, hostGit } from './host-git.js';
import type { PushOutcome, PushRequest, PushTarget } from './push-target.js';

/**
 * A local repo: the run's branch is fetched from the bundle into the repo as `refs/heads/<branch>`.
 * git itself refuses to update a checked-out branch, and only a fast-forward is taken, so the
 * person's work in that folder is never moved or overwritten.
 */
export function createLocalRepoPushTarget(realPath: string): PushTarget {
  return {
    kind: 'local-repo',
    remote: realPath,
    async push(request: PushRequest): Promise<PushOutcome> {
      // A server running as root writes into a person's repo as that person: the new refs and objects
      // stay theirs (to delete, gc, push on), and git does not refuse the repo as someone else's.
      const owner = await stat(realPath);
      const runAs = process.getuid?.() === 0 && owner.uid !== 0 ? { uid: owner.uid, gid: owner.gid } : undefined;
      return withBundleFile(request.bundle, async (file) => {
        const options = { protocols: LOCAL_GIT_PROTOCOLS, runAs, signal: request.signal };
        const verify = await hostGit(['-C', realPath, 'bundle', 'verify', '-q', file], options);
        if (verify.exitCode !== 0) return { kind: 'failed', reason: `The repo at ${realPath} cannot take these commits: ${gitComplaint(verify)}` };
        const ref = `refs/heads/${request.branch}`;
        const fetch = await hostGit(['-C', realPath, 'fetch', '--quiet', '--no-tags', '--no-write-fetch-head', file, `${ref}:${ref}`], options);
        if (fetch.exitCode !== 0) {
          const complaint = gitComplaint(fetch);
          if (/checked out|refusing to fetch into/i.test(complaint)) {
            return { kind: 'failed', reason: `${request.branch} is checked out in ${realPath}; Tandem never moves a checked-out branch. Switch that folder to another branch and retry.` };
          }
          if (/non-fast-forward|rejected/i.test(complaint)) {
            return { kind: 'failed', reason: `${request.branch} in ${realPath} has commits this run does not; Tandem only fast-forwards it. Rename or delete that branch and retry.` };
          }
          return { kind: 'failed', reason: `git fetch into ${realPath} failed: ${complaint}` };
        }
        return { kind: 'pushed', remote: realPath };
      }, { readableByOthers: runAs !== undefined });
    },
  };
}
