import { mkdir, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LOCAL_GIT_PROTOCOLS } from '../../sandbox/repo-location.js';
import { gitComplaint, hostGit } from './host-git.js';

/**
 * Where the commits the server makes for a session are kept until (and after) they are pushed: one
 * bare repo per session, made and written only by the server's own git, never by a sandbox. It holds
 * the session's commits (each run's branch as `refs/heads/tandem/…`), the objects they hold, the
 * session's last commit (`refs/tandem/last`, the next run's parent) and the commit the session
 * started from (`tandem.baseSha` in its config). It does not hold the base commit's objects: a push
 * takes those from the origin.
 */
export const LAST_COMMIT_REF = 'refs/tandem/last';
const SESSION_ID = /^[A-Za-z0-9_-]{1,100}$/;
const SHA = /^[0-9a-f]{40}$/;

export interface CommitStore {
  /** The session's repo (made on first use). */
  repoFor(sessionId: string): Promise<string>;
}

/** `dir` absent: a private folder of this process (commits then last as long as the server runs). */
export function createCommitStore(dir?: string): CommitStore {
  let root: Promise<string> | undefined;
  const rootDir = () =>
    (root ??= dir ? mkdir(dir, { recursive: true, mode: 0o700 }).then(() => dir) : mkdtemp(path.join(os.tmpdir(), 'tandem-commits-')));
  const made = new Map<string, Promise<string>>();
  return {
    repoFor(sessionId) {
      if (!SESSION_ID.test(sessionId)) return Promise.reject(new Error(`"${sessionId}" is not a session id`));
      let repo = made.get(sessionId);
      if (!repo) {
        repo = (async () => {
          const at = path.join(await rootDir(), `${sessionId}.git`);
          // init on an existing repo only re-reads it: a restarted server finds the session's commits again.
          const init = await hostGit(['init', '--quiet', '--bare', at], { protocols: LOCAL_GIT_PROTOCOLS });
          if (init.exitCode !== 0) throw new Error(`git init of the session's commit store failed: ${gitComplaint(init)}`);
          return at;
        })();
        repo.catch(() => made.delete(sessionId));
        made.set(sessionId, repo);
      }
      return repo;
    },
  };
}

/** The session's recorded start commit, if any (the server wrote it; shape-checked all the same). */
export async function recordedBase(repo: string): Promise<string | undefined> {
  const value = (await hostGit(['-C', repo, 'config', '--get', 'tandem.baseSha'], { protocols: LOCAL_GIT_PROTOCOLS })).stdout.trim();
  return SHA.test(value) ? value : undefined;
}

export async function recordBase(repo: string, baseSha: string): Promise<void> {
  if (!SHA.test(baseSha)) return;
  await hostGit(['-C', repo, 'config', 'tandem.baseSha', baseSha], { protocols: LOCAL_GIT_PROTOCOLS });
}

/** A ref of the store as a sha, if it holds one. */
export async function storedRef(repo: string, ref: string): Promise<string | undefined> {
  const value = (await hostGit(['-C', repo, 'rev-parse', '--verify', '-q', `${ref}^{commit}`], { protocols: LOCAL_GIT_PROTOCOLS })).stdout.trim();
  return SHA.test(value) ? value : undefined;
}

/** Commits of the store a push may need to send at once (a run's fix rounds): more is refused. */
const MAX_CHAIN_COMMITS = 1_000;
/** The object list of a commit chain: one sha a line, for every file of every commit in it. */
const MAX_OBJECT_LIST_BYTES = 64 * 1024 * 1024;

/**
 * Packs `sha` and the store's commits under it (down to the first parent the store does not hold, the
 * origin's) with all their trees and files into `packBase` (`…/objects/pack/pack`), from the store
 * alone: nothing of another repo is read to make it.
 */
export async function packCommitChain(repo: string, sha: string, packBase: string, signal?: AbortSignal): Promise<{ kind: 'packed' } | { kind: 'failed'; reason: string }> {
  const options = { protocols: LOCAL_GIT_PROTOCOLS, signal };
  const chain: string[] = [];
  for (let at: string | undefined = await storedRef(repo, sha); at && chain.length < MAX_CHAIN_COMMITS; ) {
    chain.push(at);
    const commit = await hostGit(['-C', repo, 'cat-file', 'commit', at], options);
    const parent = /^parent ([0-9a-f]{40})$/m.exec(commit.stdout.split('\n\n')[0] ?? '')?.[1];
    at = parent ? await storedRef(repo, parent) : undefined;
  }
  if (chain.length === 0) return { kind: 'failed', reason: `The commit ${sha.slice(0, 10)} is not among the commits this server made for the session (was its data dir reset?); run the commit step again` };
  const objects = await hostGit(['-C', repo, 'rev-list', '--objects', '--no-object-names', '--no-walk', ...chain], { ...options, maxOutputBytes: MAX_OBJECT_LIST_BYTES });
  if (objects.exitCode !== 0) return { kind: 'failed', reason: `git rev-list failed in the commit store: ${gitComplaint(objects)}` };
  const packed = await hostGit(['-C', repo, 'pack-objects', '--quiet', packBase], { ...options, input: objects.stdout });
  if (packed.exitCode !== 0) return { kind: 'failed', reason: `git pack-objects failed in the commit store: ${gitComplaint(packed)}` };
  return { kind: 'packed' };
}
