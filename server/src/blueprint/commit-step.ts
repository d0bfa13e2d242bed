import { LOCAL_GIT_PROTOCOLS } from '../sandbox/repo-location.js';
import type { Sandbox } from '../sandbox/provider.js';
import { LAST_COMMIT_REF, recordBase, recordedBase, storedRef } from './ship/commit-store.js';
import { hostGit } from './ship/host-git.js';
import { writeCommitObject, writeWorkspaceTree } from './ship/server-commit.js';

/**
 * The `commit` node: deterministic server code, never the model, commits the session's workspace on
 * a branch `tandem/<slug>`, as the person who started the run, with a `Co-authored-by:` trailer for
 * everyone who steered it and a `Tandem-Session:` trailer.
 *
 * The commit is made by the server, outside the sandbox: the workspace's files are read on the host
 * as data (server-commit.ts) and the commit object, every line of it (tree, parent, author,
 * committer, message), is written by the server's git into the session's commit store. Nothing in
 * the sandbox can choose its author, trailers, parent or sha, or swap it for another before the
 * push, which sends the store's commit. The sandbox's git only lists candidate paths, and afterwards
 * gets the same commit on its branch so people see it there (best effort, for show only).
 */

export interface CommitPerson {
  id: string;
  name: string;
}

export interface CommitRequest {
  sessionId: string;
  /** What the run was for; the branch slug and the subject come from it. */
  goal: string;
  subject: string;
  /** Lines after the subject (a drafted message's body); trailers follow it. */
  body?: string;
  author: CommitPerson;
  coAuthors: CommitPerson[];
}

/** The commit the session started from: the push sends what came after it. */
export interface CommitBase {
  baseSha?: string;
}

export type CommitOutcome =
  | ({ kind: 'committed'; sha: string; branch: string; message: string } & CommitBase)
  /** `headSha`: the branch's tip, which may hold this session's earlier commits (a rerun after a restart). */
  | ({ kind: 'nothing-to-commit'; branch: string; headSha?: string } & CommitBase)
  | { kind: 'failed'; reason: string };

export const COMMIT_BRANCH_PREFIX = 'tandem/';
const MAX_SLUG_CHARS = 40;
const MAX_SUBJECT_CHARS = 72;
const GIT_TIMEOUT_MS = 60_000;
/** Commits are made by the person; the committer says the server made them for that person. */
export const TANDEM_COMMITTER = { name: 'Tandem', email: 'tandem@localhost' };

/** An address for a person without one: stable per identity, never deliverable. */
export function personEmail(person: CommitPerson): string {
  return `${person.id}@users.tandem.invalid`;
}

/** `tandem/<words of the goal>-<session id tail>`: readable and unique per session. */
export function branchFor(sessionId: string, goal: string): string {
  const words = goal
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, MAX_SLUG_CHARS)
    .replace(/-+$/, '');
  const tail = sessionId.replace(/[^A-Za-z0-9]/g, '').slice(-6).toLowerCase();
  return `${COMMIT_BRANCH_PREFIX}${words || 'change'}-${tail}`;
}

/** The commit message: subject (one line, capped), then the trailers, each person once. */
export function commitMessage(request: CommitRequest): string {
  const firstLine = request.subject.split('\n')[0]!.trim() || 'Change made in a Tandem session';
  const subject = firstLine.length > MAX_SUBJECT_CHARS ? `${firstLine.slice(0, MAX_SUBJECT_CHARS - 1)}…` : firstLine;
  const seen = new Set([request.author.id]);
  const coAuthors = request.coAuthors.filter((person) => !seen.has(person.id) && seen.add(person.id));
  const trailers = [...coAuthors.map((person) => `Co-authored-by: ${safeName(person.name)} <${personEmail(person)}>`), `Tandem-Session: ${request.sessionId}`];
  const body = request.body?.trim();
  return `${subject}\n\n${body ? `${body}\n\n` : ''}${trailers.join('\n')}\n`;
}

/** A person's name as git and trailers read it: one line, no control characters or angle brackets. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what this removes
const safeName = (name: string) => name.replace(/[<>\u0000-\u001f\u007f]/g, ' ').replace(/\s+/g, ' ').trim() || 'Someone';

/** Where the server keeps the session's commits, and this run's last commit (the next one's parent). */
export interface CommitPlace {
  /** The session's commit store (ship/commit-store.ts). */
  repo: string;
  /** This run's latest commit, as the server recorded it. */
  previousSha?: string;
}

export async function commitWorkspace(sandbox: Sandbox, request: CommitRequest, place: CommitPlace, signal: AbortSignal): Promise<CommitOutcome> {
  const branch = branchFor(request.sessionId, request.goal);
  const git = (args: string, stdin?: string) =>
    sandbox.exec(`git -c safe.directory='*' -c core.hooksPath=/dev/null -c core.fsmonitor=false -c commit.gpgsign=false ${args}`, { signal, timeoutMs: GIT_TIMEOUT_MS, stdin, env: { GIT_TERMINAL_PROMPT: '0' } });
  const inside = await git('rev-parse --is-inside-work-tree');
  if (inside.exitCode !== 0) return { kind: 'failed', reason: 'The workspace is not a git repository, so there is nothing to commit on.' };
  const base = await sessionBase(place.repo, git);
  // The workspace is the sandbox's HOME: tools' caches and histories there are not the change.
  await sandbox.exec(HOME_NOISE_EXCLUDES, { signal, timeoutMs: GIT_TIMEOUT_MS });
  const tree = await writeWorkspaceTree(sandbox, place.repo, signal);
  if (tree.kind === 'failed') return tree;
  // After this run's own commit, the session's last, else the commit the session started from.
  const parentSha = place.previousSha ?? (await storedRef(place.repo, LAST_COMMIT_REF)) ?? base.baseSha;
  const store = (args: string[]) => hostGit(['-C', place.repo, ...args], { protocols: LOCAL_GIT_PROTOCOLS, signal });
  if (parentSha && (await parentTree(place.repo, parentSha, git)) === tree.treeSha) {
    // The branch may hold this session's commit already (a commit step rerun after a restart).
    const tip = await storedRef(place.repo, `refs/heads/${branch}`);
    return { kind: 'nothing-to-commit', branch, headSha: tip === parentSha ? tip : undefined, ...base };
  }
  const message = commitMessage(request);
  const when = `${Math.floor(Date.now() / 1000)} +0000`;
  const text = [
    `tree ${tree.treeSha}`,
    ...(parentSha ? [`parent ${parentSha}`] : []),
    `author ${safeName(request.author.name)} <${personEmail(request.author)}> ${when}`,
    `committer ${TANDEM_COMMITTER.name} <${TANDEM_COMMITTER.email}> ${when}`,
    '',
    message,
  ].join('\n');
  const commit = await writeCommitObject(place.repo, text, signal);
  if (commit.kind === 'failed') return commit;
  for (const ref of [`refs/heads/${branch}`, LAST_COMMIT_REF]) {
    const updated = await store(['update-ref', ref, commit.sha]);
    if (updated.exitCode !== 0) return { kind: 'failed', reason: `Could not keep the commit: ${(updated.stderr || updated.stdout).trim()}` };
  }
  await showInWorkspace(git, { branch, treeSha: tree.treeSha, parentSha, sha: commit.sha, text });
  return { kind: 'committed', sha: commit.sha, branch, message, ...base };
}

const SHA = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

/**
 * The tree of the parent, to tell whether anything changed: from the store for a commit the server
 * made; for the session's start commit (whose objects the store does not hold), the workspace's git
 * says. That answer is the sandbox's, and can only make the step skip a commit or make one that
 * changes nothing; it never reaches the commit itself.
 */
async function parentTree(repo: string, parentSha: string, git: (args: string) => Promise<{ exitCode: number | null; stdout: string }>): Promise<string | undefined> {
  const stored = await hostGit(['-C', repo, 'rev-parse', '--verify', '-q', `${parentSha}^{tree}`], { protocols: LOCAL_GIT_PROTOCOLS });
  if (stored.exitCode === 0 && SHA.test(stored.stdout.trim())) return stored.stdout.trim();
  const said = (await git(`rev-parse --verify -q ${parentSha}^{tree}`)).stdout.trim();
  return SHA.test(said) ? said : undefined;
}

/**
 * The server's commit on the workspace's branch, for people working there: the sandbox stages its
 * files and writes the same commit text; only if it comes out as the very commit the server made
 * does the branch move to it. Failing (the files changed meanwhile) leaves the workspace as it was.
 * Whatever the sandbox does to this branch later, the push sends the store's commit.
 */
async function showInWorkspace(git: (args: string, stdin?: string) => Promise<{ exitCode: number | null }>, commit: { branch: string; treeSha: string; parentSha?: string; sha: string; text: string }): Promise<void> {
  const parentThere = commit.parentSha ? ` && git -c safe.directory='*' cat-file -e ${commit.parentSha}^{commit}` : '';
  await git(
    `checkout -q -B ${commit.branch} && git -c safe.directory='*' -c core.fsmonitor=false add -A && [ "$(git -c safe.directory='*' write-tree)" = ${commit.treeSha} ]${parentThere} && [ "$(git -c safe.directory='*' hash-object -t commit -w --stdin)" = ${commit.sha} ] && git -c safe.directory='*' update-ref refs/heads/${commit.branch} ${commit.sha}`,
    commit.text,
  );
}

/** Untracked files tools write into HOME (the workspace), kept out of commits through git's per-repo exclude file. */
export const HOME_NOISE = ['/.npm/', '/.cache/', '/.bash_history', '/.node_repl_history', '/.python_history', '/.lesshst', '/.wget-hsts'];
const HOME_NOISE_EXCLUDES = `file=$(git -c safe.directory='*' -c core.fsmonitor=false rev-parse --git-path info/exclude) && mkdir -p "$(dirname "$file")" && touch "$file" && for pattern in ${HOME_NOISE.map((pattern) => `'${pattern}'`).join(' ')}; do grep -qxF "$pattern" "$file" || echo "$pattern" >> "$file"; done`;

/**
 * The session's starting point, kept by the server in the session's commit store from the first
 * commit on. That first time it is read from the workspace's git (its config's `tandem.baseSha`,
 * else HEAD, shape-checked) and also written there for the workspace's own checks. A wrong value only
 * gives the commit another parent the origin must already hold (the push checks it there), never
 * other content.
 */
async function sessionBase(repo: string, git: (args: string) => Promise<{ exitCode: number | null; stdout: string }>): Promise<CommitBase> {
  const kept = await recordedBase(repo);
  if (kept) return { baseSha: kept };
  const recordedSha = (await git('config --get tandem.baseSha')).stdout.trim();
  const head = SHA.test(recordedSha) ? recordedSha : (await git('rev-parse --verify -q HEAD')).stdout.trim();
  if (!SHA.test(head)) return {};
  if (head !== recordedSha) await git(`config tandem.baseSha ${head}`);
  await recordBase(repo, head);
  return { baseSha: head };
}
