import { chown, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LOCAL_GIT_PROTOCOLS } from '../../sandbox/repo-location.js';
import { packCommitChain } from './commit-store.js';
import { gitComplaint, hostGit, receivePackCommand, type HostGitOptions } from './host-git.js';
import type { PushOutcome, PushRequest, PushTarget } from './push-target.js';

/**
 * A local repo: the server's commit is pushed into the repo as `refs/heads/<branch>`. Only a
 * fast-forward is taken and a checked-out branch is refused, so the person's work in that folder is
 * never moved or overwritten.
 *
 * The commit (with the store's earlier commits under it) is packed from the session's commit store
 * into a scratch repo that borrows the repo's objects (for the session's base, which must be the
 * origin's); the scratch repo then pushes exactly that sha. The repo's own config is read only by
 * the receive-pack git starts in it, which runs with every command-valued key neutralised
 * (receivePackCommand) and checks every object it receives (`receive.fsckObjects`).
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
        const init = await hostGit(['init', '--quiet', '--bare', scratch], { protocols: LOCAL_GIT_PROTOCOLS });
        if (init.exitCode !== 0) return { kind: 'failed', reason: `git init failed: ${gitComplaint(init)}` };
        // Made by the server's git from its own store; nothing of the person's repo is read as root.
        const packed = await packCommitChain(request.store, request.sha, path.join(scratch, 'objects', 'pack', 'pack'), request.signal);
        if (packed.kind === 'failed') return packed;
        await writeFile(path.join(scratch, 'objects', 'info', 'alternates'), `${objects}\n`);
        if (runAs) await chownTree(scratch, runAs);
        const git = (...args: string[]) => hostGit(['-C', scratch, ...args], options);
        const base = await git('cat-file', '-e', `${request.baseSha}^{commit}`);
        if (base.exitCode !== 0) return { kind: 'failed', reason: `${realPath} does not hold the commit the session started from (${request.baseSha.slice(0, 10)}), so Tandem will not push a branch on top of it` };
        const ref = `refs/heads/${request.branch}`;
        const pushed = await git('push', '--quiet', '--porcelain', '--no-verify', `--receive-pack=${receivePackCommand()}`, realPath, `${request.sha}:${ref}`);
        if (pushed.exitCode !== 0) {
          const complaint = gitComplaint(pushed);
          if (/checked out|current branch/i.test(complaint)) {
            return { kind: 'failed', reason: `${request.branch} is checked out in ${realPath}; Tandem never moves a checked-out branch. Switch that folder to another branch and retry.` };
          }
          if (/non-fast-forward|fetch first|rejected/i.test(complaint)) {
            return { kind: 'failed', reason: `${request.branch} in ${realPath} has commits this run does not; Tandem only fast-forwards it. Rename or delete that branch and retry.` };
          }
          // The receiving git's object check names what it refused on a line of its own.
          const refused = pushed.stderr.split('\n').find((line) => /error: object [0-9a-f]+:/.test(line));
          return { kind: 'failed', reason: `git push into ${realPath} failed: ${refused ? `${refused.replace(/^remote:\s*/, '').trim()} ` : ''}${complaint}` };
        }
        const tip = (await hostGit(['-C', realPath, 'rev-parse', '--verify', ref], options)).stdout.trim();
        if (tip !== request.sha) return { kind: 'failed', reason: `${request.branch} in ${realPath} is at ${tip.slice(0, 10) || 'nothing'} after the push, not at the commit Tandem made` };
        return { kind: 'pushed', remote: realPath, sha: tip };
      } finally {
        await rm(scratch, { recursive: true, force: true });
      }
    },
  };
}

/** The scratch repo (made by the server, holding no link) handed to the user git runs as. */
async function chownTree(dir: string, to: { uid: number; gid: number }): Promise<void> {
  await chown(dir, to.uid, to.gid);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const at = path.join(dir, entry.name);
    if (entry.isDirectory()) await chownTree(at, to);
    else if (entry.isFile()) await chown(at, to.uid, to.gid);
  }
}
