import type { Sandbox } from '../../sandbox/provider.js';
import { ALWAYS_IGNORED } from '../../workspace/files/file-kind.js';

/**
 * What changed in the workspace since a run started, read with git inside the sandbox. The
 * repo's config is sandbox content: git runs with its hooks and fsmonitor off (as the commit step
 * does) and without external diff or textconv drivers, and what it prints is shape-checked.
 */

/** Where a run started in the workspace's git, and the sandbox-private folder the checks keep caches in. */
export interface WorkspaceStart {
  /** The commit changes are counted from. */
  base: string;
  /** Inside the workspace's git folder: never committed, never in the file tree people see, gone with the sandbox. */
  cacheDir: string;
}

const GIT = "git -c safe.directory='*' -c core.hooksPath=/dev/null -c core.fsmonitor=false";
const SHA = /^[0-9a-f]{40}([0-9a-f]{24})?$/;
const GIT_TIMEOUT_MS = 30_000;
/** A git listing past this is cut; the checks then run in full rather than on a partial list. */
const MAX_LISTING_BYTES = 1024 * 1024;
/** The folder under the git dir the checks' caches live in. */
export const CHECKS_CACHE_FOLDER = 'tandem-checks';

/**
 * The workspace's git dir and where the session started: the commit the commit step recorded
 * (`tandem.baseSha`, set at the first commit of the session), else HEAD now. Undefined when the
 * workspace is not a git repository with a commit, or its git dir is outside the workspace.
 */
export async function readWorkspaceStart(sandbox: Sandbox, signal: AbortSignal): Promise<WorkspaceStart | undefined> {
  const script = [
    `printf 'pwd %s\\n' "$PWD"`,
    `printf 'gitdir %s\\n' "$(${GIT} rev-parse --absolute-git-dir 2>/dev/null)"`,
    `printf 'recorded %s\\n' "$(${GIT} config --get tandem.baseSha 2>/dev/null)"`,
    `printf 'head %s\\n' "$(${GIT} rev-parse --verify -q HEAD 2>/dev/null)"`,
  ].join('; ');
  const result = await sandbox.exec(script, { signal, timeoutMs: GIT_TIMEOUT_MS, maxOutputBytes: 64 * 1024 });
  if (result.exitCode !== 0 || result.truncated) return undefined;
  const values = new Map(result.stdout.split('\n').map((line) => [line.slice(0, line.indexOf(' ')), line.slice(line.indexOf(' ') + 1)] as const));
  const workspace = values.get('pwd') ?? '';
  const gitDir = values.get('gitdir') ?? '';
  const recorded = values.get('recorded') ?? '';
  const head = values.get('head') ?? '';
  // A git dir elsewhere (a `.git` file pointing out) may not outlive one command: no caches there.
  if (!workspace.startsWith('/') || !gitDir.startsWith(`${workspace}/`)) return undefined;
  const base = SHA.test(recorded) ? recorded : SHA.test(head) ? head : undefined;
  return base ? { base, cacheDir: `${gitDir}/${CHECKS_CACHE_FOLDER}` } : undefined;
}

/** Workspace files added or changed since `base` (committed, staged or not) and untracked ones git does not ignore; deleted ones are not listed. */
export async function changedSince(sandbox: Sandbox, base: string, signal: AbortSignal): Promise<string[] | undefined> {
  if (!SHA.test(base)) return undefined;
  const command = `${GIT} diff --name-only -z --no-renames --diff-filter=d --no-ext-diff --no-textconv ${base} -- && ${GIT} ls-files -z --others --exclude-standard`;
  const result = await sandbox.exec(command, { signal, timeoutMs: GIT_TIMEOUT_MS, maxOutputBytes: MAX_LISTING_BYTES });
  if (result.exitCode !== 0 || result.truncated || result.timedOut) return undefined;
  return [...new Set(result.stdout.split('\0').filter((file) => file && !inToolFolder(file)))].sort();
}

/** Dependencies and tool caches (npm's logs land in the workspace, its home) are no one's change to check. */
const TOOL_FOLDERS = new Set(ALWAYS_IGNORED.map((folder) => folder.replace(/\/$/, '')));
const inToolFolder = (file: string) => file.split('/').slice(0, -1).some((segment) => TOOL_FOLDERS.has(segment));
