import type { Sandbox } from '../sandbox/provider.js';

/**
 * The `commit` node: deterministic server code, never the model, commits the session's workspace on
 * a branch `tandem/<slug>`, as the person who started the run, with a `Co-authored-by:` trailer for
 * everyone who steered it and a `Tandem-Session:` trailer. It runs git inside the sandbox (the
 * workspace is a copy of the repo: the origin's checked-out branch is never touched) with the repo's
 * hooks off, since repo content is hostile.
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

export async function commitWorkspace(sandbox: Sandbox, request: CommitRequest, signal: AbortSignal): Promise<CommitOutcome> {
  const branch = branchFor(request.sessionId, request.goal);
  const git = (args: string, stdin?: string) =>
    sandbox.exec(`git -c safe.directory='*' -c core.hooksPath=/dev/null -c core.fsmonitor=false -c commit.gpgsign=false ${args}`, {
      signal,
      timeoutMs: GIT_TIMEOUT_MS,
      stdin,
      env: {
        GIT_AUTHOR_NAME: safeName(request.author.name),
        GIT_AUTHOR_EMAIL: personEmail(request.author),
        GIT_COMMITTER_NAME: TANDEM_COMMITTER.name,
        GIT_COMMITTER_EMAIL: TANDEM_COMMITTER.email,
        GIT_TERMINAL_PROMPT: '0',
      },
    });
  const inside = await git('rev-parse --is-inside-work-tree');
  if (inside.exitCode !== 0) return { kind: 'failed', reason: 'The workspace is not a git repository, so there is nothing to commit on.' };
  const base = await rememberBase(git);
  // Only a branch this run made before (a step rerun after a restart) may hold commits it already made.
  const wasOnBranch = (await git('symbolic-ref --short -q HEAD')).stdout.trim() === branch;
  const checkout = await git(`checkout -q -B ${branch}`);
  if (checkout.exitCode !== 0) return { kind: 'failed', reason: `git checkout failed: ${(checkout.stderr || checkout.stdout).trim()}` };
  // The workspace is the sandbox's HOME: tools' caches and histories there are not the change.
  await sandbox.exec(HOME_NOISE_EXCLUDES, { signal, timeoutMs: GIT_TIMEOUT_MS });
  const add = await git('add -A');
  if (add.exitCode !== 0) return { kind: 'failed', reason: `git add failed: ${(add.stderr || add.stdout).trim()}` };
  const staged = await git('diff --cached --quiet');
  if (staged.exitCode === 0) {
    const tip = (await git('rev-parse --verify -q HEAD')).stdout.trim();
    return { kind: 'nothing-to-commit', branch, headSha: wasOnBranch && SHA.test(tip) ? tip : undefined, ...base };
  }
  const message = commitMessage(request);
  const commit = await git('commit -q -F -', message);
  if (commit.exitCode !== 0) return { kind: 'failed', reason: `git commit failed: ${(commit.stderr || commit.stdout).trim()}` };
  const head = await git('rev-parse HEAD');
  return { kind: 'committed', sha: head.stdout.trim(), branch, message, ...base };
}

const SHA = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

/** Untracked files tools write into HOME (the workspace), kept out of commits through git's per-repo exclude file. */
export const HOME_NOISE = ['/.npm/', '/.cache/', '/.bash_history', '/.node_repl_history', '/.python_history', '/.lesshst', '/.wget-hsts'];
const HOME_NOISE_EXCLUDES = `file=$(git -c safe.directory='*' -c core.fsmonitor=false rev-parse --git-path info/exclude) && mkdir -p "$(dirname "$file")" && touch "$file" && for pattern in ${HOME_NOISE.map((pattern) => `'${pattern}'`).join(' ')}; do grep -qxF "$pattern" "$file" || echo "$pattern" >> "$file"; done`;

/**
 * The session's starting point, kept in the workspace's git config from the first commit on, since
 * HEAD moves onto the run's branch then. It is read back as untrusted text (shape-checked), and a
 * wrong value only makes the push send more or fail, never reach elsewhere.
 */
async function rememberBase(git: (args: string) => Promise<{ exitCode: number | null; stdout: string }>): Promise<CommitBase> {
  const recordedSha = (await git('config --get tandem.baseSha')).stdout.trim();
  if (SHA.test(recordedSha)) return { baseSha: recordedSha };
  const head = (await git('rev-parse --verify -q HEAD')).stdout.trim();
  if (!SHA.test(head)) return {};
  await git(`config tandem.baseSha ${head}`);
  return { baseSha: head };
}
