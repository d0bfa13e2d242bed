import { chown, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LOCAL_GIT_PROTOCOLS } from '../../sandbox/repo-location.js';
import { withBundleFile } from './bundle-file.js';
import { gitComplaint, hostGit, type HostGitOptions } from './host-git.js';
import type { PushOutcome, PushRequest, PushTarget } from './push-target.js';

/**
 * A local repo: the run's branch is fetched into the repo as `refs/heads/<branch>`. git itself
 * refuses to update a checked-out branch, and only a fast-forward is taken, so the person's work in
 * that folder is never moved or overwritten.
 *
 * The bundle is unpacked into a scratch repo first (borrowing the repo's objects), and the repo then
 * fetches from that scratch repo over git's file transport: git checks every object received that
 * way (`transfer.fsckObjects`), which it does not do for a bundle fetched directly before git 2.46.
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
      const options: HostGitOptions = { protocols: LOCAL_GIT_PROTOCOLS, runAs, signal: request.signal };
      const objects = (await hostGit(['-C', realPath, 'rev-parse', '--path-format=absolute', '--git-path', 'objects'], options)).stdout.trim();
      if (!objects) return { kind: 'failed', reason: `${realPath} is not a git repository Tandem can read` };
      const scratch = await mkdtemp(path.join(os.tmpdir(), 'tandem-local-push-'));
      try {
        if (runAs) await chown(scratch, runAs.uid, runAs.gid);
        const init = await hostGit(['init', '--quiet', '--bare', scratch], options);
        if (init.exitCode !== 0) return { kind: 'failed', reason: `git init failed: ${gitComplaint(init)}` };
        await writeFile(path.join(scratch, 'objects', 'info', 'alternates'), `${objects}\n`);
        if (runAs) await chown(path.join(scratch, 'objects', 'info', 'alternates'), runAs.uid, runAs.gid);
        const ref = `refs/heads/${request.branch}`;
        const unpacked = await withBundleFile(request.bundle, (file) => hostGit(['-C', scratch, 'fetch', '--quiet', '--no-tags', file, `${ref}:${ref}`], options), { readableByOthers: runAs !== undefined });
        if (unpacked.exitCode !== 0) return { kind: 'failed', reason: `The repo at ${realPath} cannot take these commits: ${gitComplaint(unpacked)}` };
        const fetch = await hostGit(['-C', realPath, 'fetch', '--quiet', '--no-tags', '--no-write-fetch-head', '--no-recurse-submodules', `file://${scratch}`, `${ref}:${ref}`], options);
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
        const tip = (await hostGit(['-C', realPath, 'rev-parse', '--verify', ref], options)).stdout.trim();
        return { kind: 'pushed', remote: realPath, sha: tip };
      } finally {
        await rm(scratch, { recursive: true, force: true });
      }
    },
  };
}
