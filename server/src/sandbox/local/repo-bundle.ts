import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { hostGit } from '../../blueprint/ship/host-git.js';
import { LOCAL_GIT_PROTOCOLS } from '../repo-location.js';

/**
 * The commits a local repo gained since a session started, as a git bundle the session's own git
 * fetches from (so a running workspace can be brought up to the repo's HEAD without a new sandbox).
 * git runs on the host over the operator's repo with every command-running key neutralised (hostGit).
 */

/** A bigger update is refused: the bundle travels to the sandbox in one request. Start a new session instead. */
export const MAX_UPDATE_BUNDLE_BYTES = 32 * 1024 * 1024;

export type RepoBundle = { kind: 'bundle'; bytes: Buffer } | { kind: 'up-to-date' } | { kind: 'refused'; reason: string };

const SHA = /^[0-9a-f]{40}$/;

/** HEAD's history since `fromCommit` (all of it when the repo no longer has that commit). */
export async function bundleSince(repoDir: string, fromCommit: string): Promise<RepoBundle> {
  const git = (...args: string[]) => hostGit(['-C', repoDir, ...args], { protocols: LOCAL_GIT_PROTOCOLS });
  const head = (await git('rev-parse', '--verify', '-q', 'HEAD^{commit}')).stdout.trim();
  if (!SHA.test(head)) return { kind: 'refused', reason: 'the repo has no commit at HEAD' };
  if (head === fromCommit) return { kind: 'up-to-date' };
  const known = SHA.test(fromCommit) && (await git('cat-file', '-e', `${fromCommit}^{commit}`)).exitCode === 0;
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'tandem-bundle-'));
  try {
    const file = path.join(scratch, 'update.bundle');
    const made = await git('bundle', 'create', '--quiet', file, 'HEAD', ...(known ? [`^${fromCommit}`] : []));
    if (made.exitCode !== 0) return { kind: 'refused', reason: `git could not bundle the repo's new commits: ${(made.stderr || made.stdout).trim().split('\n')[0]}` };
    const { size } = await stat(file);
    if (size > MAX_UPDATE_BUNDLE_BYTES) {
      return { kind: 'refused', reason: `the repo's new commits are ${Math.ceil(size / 1024 / 1024)} MiB, more than the ${MAX_UPDATE_BUNDLE_BYTES / 1024 / 1024} MiB an update carries; start a new session instead` };
    }
    return { kind: 'bundle', bytes: await readFile(file) };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
