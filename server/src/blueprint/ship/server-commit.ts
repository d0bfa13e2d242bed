import { createHash, randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { SandboxError, type Sandbox, type WorkspaceEntry } from '../../sandbox/provider.js';
import { LOCAL_GIT_PROTOCOLS } from '../../sandbox/repo-location.js';
import { gitComplaint, hostGit, hostGitFed } from './host-git.js';

/**
 * The workspace's tree as the server commits it. Which paths are candidates comes from the sandbox's
 * git (`ls-files`: tracked, plus untracked files that .gitignore and the per-repo exclude let through,
 * as `git add -A` would take them); a forged list only changes which of the workspace's own files are
 * included. Every byte is read by the server on the host (Sandbox.readEntry: links read as links, never
 * followed; the executable bit from the open file) and written into the session's commit store by the
 * server's own git: blobs through fast-import, the tree through a temporary index and write-tree.
 */
export const MAX_COMMIT_FILES = 100_000;
export const MAX_COMMIT_TOTAL_BYTES = 512 * 1024 * 1024;
export const MAX_COMMIT_FILE_BYTES = 64 * 1024 * 1024;
/** The listing of candidate paths (NUL-separated) may be this long. */
const MAX_LISTING_BYTES = 32 * 1024 * 1024;
const LISTING_TIMEOUT_MS = 120_000;
const SANDBOX_GIT = `git -c safe.directory='*' -c core.hooksPath=/dev/null -c core.fsmonitor=false -c core.quotePath=false`;
const SHA = /^[0-9a-f]{40}$/;

export type TreeOutcome = { kind: 'tree'; treeSha: string; files: number; bytes: number } | { kind: 'failed'; reason: string };

/** A path git could hold and check out safely: no empty, `.` or `..` part and no `.git` (in any case) anywhere. */
function isCommittablePath(candidate: string): boolean {
  if (candidate === '' || candidate.includes('\0') || candidate.startsWith('/')) return false;
  return candidate.split('/').every((part) => part !== '' && part !== '.' && part !== '..' && part.toLowerCase() !== '.git');
}

/** Candidate paths: tracked (submodules with the commit the index names) and untracked-not-ignored. */
async function listCandidates(sandbox: Sandbox, signal: AbortSignal): Promise<{ kind: 'paths'; paths: Map<string, string | undefined> } | { kind: 'failed'; reason: string }> {
  const run = (args: string) => sandbox.exec(`${SANDBOX_GIT} ls-files -z ${args}`, { signal, timeoutMs: LISTING_TIMEOUT_MS, maxOutputBytes: MAX_LISTING_BYTES });
  const [tracked, untracked] = [await run('--cached --stage'), await run('--others --exclude-standard')];
  for (const listing of [tracked, untracked]) {
    if (listing.truncated) return { kind: 'failed', reason: `The workspace lists more than ${MAX_LISTING_BYTES / 1024 / 1024} MiB of paths; commit it by hand` };
    if (listing.exitCode !== 0 || listing.timedOut) return { kind: 'failed', reason: `git ls-files failed in the workspace: ${(listing.stderr || listing.stdout).trim().slice(-300) || 'timed out'}` };
  }
  // Submodule entries: the commit the index names is a pointer only (its objects are never shipped).
  const paths = new Map<string, string | undefined>();
  for (const record of tracked.stdout.split('\0')) {
    const match = /^(\d{6}) ([0-9a-f]{40}) \d\t(.+)$/s.exec(record);
    if (match) paths.set(match[3]!, match[1] === '160000' ? match[2] : undefined);
  }
  for (const record of untracked.stdout.split('\0')) {
    // `dir/`: a repo inside the workspace, left out (git add -A would add only a pointer to it).
    if (record !== '' && !record.endsWith('/') && !paths.has(record)) paths.set(record, undefined);
  }
  if ([...paths.keys()].some((candidate) => candidate.includes('\uFFFD'))) {
    return { kind: 'failed', reason: 'A file name in the workspace is not UTF-8; Tandem cannot commit it faithfully. Rename it or commit by hand' };
  }
  return { kind: 'paths', paths };
}

/** Reads the workspace and writes its tree into `repo`; the tree's sha, or why not. */
export async function writeWorkspaceTree(sandbox: Sandbox, repo: string, signal: AbortSignal): Promise<TreeOutcome> {
  const listed = await listCandidates(sandbox, signal);
  if (listed.kind === 'failed') return listed;
  const candidates = [...listed.paths].filter(([candidate]) => isCommittablePath(candidate)).sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0));
  if (candidates.length > MAX_COMMIT_FILES) return { kind: 'failed', reason: `The workspace has more than ${MAX_COMMIT_FILES} files to commit; commit it by hand` };
  const index: Buffer[] = [];
  let totalBytes = 0;
  let files = 0;
  let refusal: string | undefined;
  const options = { protocols: LOCAL_GIT_PROTOCOLS, signal };
  const imported = await hostGitFed(['-C', repo, 'fast-import', '--quiet', '--done'], options, async (write) => {
    for (const [candidate, gitlink] of candidates) {
      if (gitlink) {
        index.push(Buffer.from(`160000 ${gitlink}\t${candidate}\0`));
        continue;
      }
      let entry: WorkspaceEntry;
      try {
        entry = await sandbox.readEntry(candidate, { maxBytes: MAX_COMMIT_FILE_BYTES, signal });
      } catch (error) {
        if (error instanceof SandboxError && error.code === 'too-large') {
          refusal = `${candidate} is larger than ${MAX_COMMIT_FILE_BYTES / 1024 / 1024} MiB, more than Tandem commits; remove it from the change or commit by hand`;
          return;
        }
        // Gone, a folder, a pipe, or behind a link on the way: not a file git would add there.
        if (error instanceof SandboxError && ['not-found', 'is-directory', 'not-a-file', 'outside-workspace'].includes(error.code)) continue;
        throw error;
      }
      const bytes = entry.kind === 'file' ? entry.bytes : entry.target;
      totalBytes += bytes.byteLength;
      if (totalBytes > MAX_COMMIT_TOTAL_BYTES) {
        refusal = `The workspace's files add up to more than ${MAX_COMMIT_TOTAL_BYTES / 1024 / 1024} MiB, more than Tandem commits; commit it by hand`;
        return;
      }
      const sha = createHash('sha1').update(`blob ${bytes.byteLength}\0`).update(bytes).digest('hex');
      await write(`blob\ndata ${bytes.byteLength}\n`);
      await write(bytes);
      await write('\n');
      const mode = entry.kind === 'symlink' ? '120000' : entry.executable ? '100755' : '100644';
      index.push(Buffer.from(`${mode} ${sha}\t${candidate}\0`));
      files += 1;
    }
    await write('done\n');
  });
  if (refusal) return { kind: 'failed', reason: refusal };
  if (imported.exitCode !== 0) return { kind: 'failed', reason: `git fast-import failed: ${gitComplaint(imported)}` };
  // A temporary index in the store: write-tree checks every blob it names is there (submodule pointers aside).
  const indexFile = path.join(repo, `tandem-index-${randomBytes(6).toString('hex')}`);
  try {
    const staged = await hostGit(['-C', repo, 'update-index', '-z', '--index-info'], { ...options, indexFile, input: Buffer.concat(index) });
    if (staged.exitCode !== 0) return { kind: 'failed', reason: `git update-index failed: ${gitComplaint(staged)}` };
    const tree = await hostGit(['-C', repo, 'write-tree'], { ...options, indexFile });
    const treeSha = tree.stdout.trim();
    if (tree.exitCode !== 0 || !SHA.test(treeSha)) return { kind: 'failed', reason: `git write-tree failed: ${gitComplaint(tree)}` };
    return { kind: 'tree', treeSha, files, bytes: totalBytes };
  } finally {
    await rm(indexFile, { force: true });
  }
}

/** Writes a commit object whose every line the server chose; its sha. */
export async function writeCommitObject(repo: string, text: string, signal?: AbortSignal): Promise<{ kind: 'commit'; sha: string } | { kind: 'failed'; reason: string }> {
  const written = await hostGit(['-C', repo, 'hash-object', '-t', 'commit', '-w', '--stdin'], { protocols: LOCAL_GIT_PROTOCOLS, signal, input: text });
  const sha = written.stdout.trim();
  if (written.exitCode !== 0 || !SHA.test(sha)) return { kind: 'failed', reason: `git hash-object failed: ${gitComplaint(written)}` };
  return { kind: 'commit', sha };
}
