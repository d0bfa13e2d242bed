import { shellQuote } from '../sandbox/shell-quote.js';

/**
 * Bringing a running session's workspace up to its repo's newer commit ("Update to <commit>"): the
 * repo's new commits arrive as a git bundle (repo-bundle.ts) on the script's standard input, and the
 * session's own git takes them in, inside the sandbox: a fast-forward when the session has no commits
 * of its own, else a merge (made by the person who asked). Nothing changes when the update would touch
 * files the session changed and has not committed, or when the merge conflicts: the answer names the
 * files, and the workspace is as it was.
 */

/** Files whose change means the installed dependencies may be stale. */
export const DEPENDENCY_FILES = [
  'package.json',
  'package-lock.json',
  'npm-shrinkwrap.json',
  'pnpm-lock.yaml',
  'yarn.lock',
  'bun.lock',
  'bun.lockb',
  'requirements.txt',
  'pyproject.toml',
  'poetry.lock',
  'uv.lock',
  'go.mod',
  'go.sum',
  'Cargo.toml',
  'Cargo.lock',
] as const;

/** At most this many paths are named back (a big update is summed up by its count). */
export const MAX_UPDATE_PATHS = 5000;
export const WORKSPACE_UPDATE_TIMEOUT_MS = 120_000;

const MARKER = 'tandem-update:';
const PATH_MARKER = 'tandem-path: ';
const SHA = /^[0-9a-f]{40}$/;

/** Where the fetched commits are kept in the workspace's git (not a branch: it moves with every update). */
export const UPDATE_REF = 'refs/tandem/update';

/**
 * The bash the sandbox runs, its standard input the bundle in base64. The person's name and address
 * and the merge message come in the environment (UPDATE_AUTHOR_NAME, UPDATE_AUTHOR_EMAIL,
 * UPDATE_MESSAGE), never in the text. Prints one `tandem-update:` line, then `tandem-path:` lines.
 */
export function workspaceUpdateScript(target: string): string {
  if (!SHA.test(target)) throw new Error('the update target must be a full commit sha');
  const limit = MAX_UPDATE_PATHS;
  return [
    'set -u',
    // The session's own hooks and fsmonitor do not run for the server's update.
    'G() { git -c core.hooksPath=/dev/null -c core.fsmonitor=false -c commit.gpgsign=false "$@"; }',
    `say() { printf '${MARKER} %s\\n' "$*"; }`,
    `paths() { head -n ${limit} | sed 's/^/${PATH_MARKER}/'; }`,
    'if [ "$(G rev-parse --show-toplevel 2>/dev/null)" != "$PWD" ]; then say no-git; exit 0; fi',
    'before=$(G rev-parse -q --verify "HEAD^{commit}") || { say no-git; exit 0; }',
    'bundle=$(mktemp /tmp/tandem-update.XXXXXX) || { say failed no room in /tmp for the commits; exit 0; }',
    'trap \'rm -f "$bundle"\' EXIT',
    'base64 -d > "$bundle" || { say failed the commits did not arrive whole; exit 0; }',
    `fetched=$(G fetch --quiet --no-tags --no-write-fetch-head "$bundle" "+HEAD:${UPDATE_REF}" 2>&1) || { say failed "git could not take the commits: $(printf '%s' "$fetched" | head -n 1)"; exit 0; }`,
    `target=${shellQuote(target)}`,
    'G cat-file -e "$target^{commit}" 2>/dev/null || { say missing-target; exit 0; }',
    'if G merge-base --is-ancestor "$target" HEAD; then say up-to-date; exit 0; fi',
    // The session's uncommitted changes (and new files) the update would overwrite: refused first.
    'blocked=$(comm -12 <(G diff --name-only HEAD "$target" | sort -u) <({ G diff --name-only HEAD; G ls-files --others --exclude-standard; } | sort -u))',
    'if [ -n "$blocked" ]; then say local-changes; printf \'%s\\n\' "$blocked" | paths; exit 0; fi',
    'if G merge-base --is-ancestor HEAD "$target"; then kind=fast-forward; else kind=merged; fi',
    'if ! merged=$(GIT_COMMITTER_NAME=Tandem GIT_COMMITTER_EMAIL=tandem@localhost G -c user.name="$UPDATE_AUTHOR_NAME" -c user.email="$UPDATE_AUTHOR_EMAIL" merge --autostash --no-edit -m "$UPDATE_MESSAGE" "$target" 2>&1); then',
    '  conflicted=$(G diff --name-only --diff-filter=U)',
    '  G merge --abort >/dev/null 2>&1',
    '  if [ -n "$conflicted" ]; then say conflict; printf \'%s\\n\' "$conflicted" | paths; else say failed "$(printf \'%s\' "$merged" | tail -n 1)"; fi',
    '  exit 0',
    'fi',
    'after=$(G rev-parse HEAD)',
    // The commit step reads the session's starting point here (before the server has recorded one).
    'G config tandem.baseSha "$target"',
    'say "$kind" "$after"',
    'G diff --name-only "$before" "$after" | paths',
  ].join('\n');
}

export type WorkspaceUpdateResult =
  | { kind: 'fast-forward' | 'merged'; head: string; changed: string[] }
  | { kind: 'up-to-date' }
  | { kind: 'local-changes' | 'conflict'; paths: string[] }
  | { kind: 'no-git' | 'missing-target' }
  | { kind: 'failed'; reason: string };

/** Pure: what the script said. Output without its marker line is a failure, never a success. */
export function parseWorkspaceUpdate(stdout: string): WorkspaceUpdateResult {
  const lines = stdout.split('\n');
  const said = lines.find((line) => line.startsWith(MARKER));
  const paths = lines.filter((line) => line.startsWith(PATH_MARKER)).map((line) => line.slice(PATH_MARKER.length)).filter((line) => line.length > 0);
  if (!said) return { kind: 'failed', reason: 'the update script said nothing' };
  const [kind = '', ...rest] = said.slice(MARKER.length).trim().split(' ');
  switch (kind) {
    case 'fast-forward':
    case 'merged': {
      const head = rest[0] ?? '';
      return SHA.test(head) ? { kind, head, changed: paths } : { kind: 'failed', reason: 'the update script gave no commit' };
    }
    case 'up-to-date':
    case 'no-git':
    case 'missing-target':
      return { kind };
    case 'local-changes':
    case 'conflict':
      return { kind, paths };
    case 'failed':
      return { kind: 'failed', reason: rest.join(' ').slice(0, 500) || 'unknown' };
    default:
      return { kind: 'failed', reason: `the update script said "${said.slice(0, 200)}"` };
  }
}

/** The dependency files among the changed paths (at any depth: a monorepo's packages have their own). */
export function dependencyFilesAmong(changed: readonly string[]): string[] {
  const names: ReadonlySet<string> = new Set(DEPENDENCY_FILES);
  return changed.filter((file) => names.has(file.split('/').at(-1) ?? ''));
}

/** Up to `count` paths, then how many more: for messages. */
export function namePaths(paths: readonly string[], count = 5): string {
  const shown = paths.slice(0, count).join(', ');
  return paths.length > count ? `${shown} and ${paths.length - count} more` : shown;
}
