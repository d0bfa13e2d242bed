import { symbolicLinkRefusal } from '../../sandbox/link-refusal.js';
import type { ExecResult } from '../../sandbox/provider.js';
import { shellQuote } from '../../sandbox/shell-quote.js';

/** The rename script's exit code when a part of either path is a symbolic link (it prints the link and its target). */
const LINK_ON_THE_WAY_EXIT_CODE = 96;
/** The rename script's exit code when the file to rename does not exist. */
const MISSING_SOURCE_EXIT_CODE = 97;

/**
 * A rename inside the sandbox that never goes through a link: every part of both paths is looked at
 * first, and a link anywhere (a folder on the way, or either path itself) stops it before anything
 * moves. `mv` would follow a linked folder (into the sandbox's /usr, into a folder that only exists
 * on the host, or onto nothing), which the tree never shows as a folder: refused like every other
 * link. The check and the move run in the sandbox, so a link swapped in between only moves a file
 * within the sandbox; the server's own reads of the result still never follow a link.
 */
export function renameCommand(from: string, to: string): string {
  return [
    'set -f',
    `refuse_link() { p=''; IFS=/; for part in $1; do p=\${p:+$p/}$part; if [ -L "$p" ]; then printf '%s\\0' "$p" "$(readlink -- "$p")"; exit ${LINK_ON_THE_WAY_EXIT_CODE}; fi; done; unset IFS; }`,
    `refuse_link ${shellQuote(from)}`,
    `refuse_link ${shellQuote(to)}`,
    `[ -e ${shellQuote(from)} ] || exit ${MISSING_SOURCE_EXIT_CODE}`,
    `mkdir -p -- "$(dirname -- ${shellQuote(to)})" && mv -- ${shellQuote(from)} ${shellQuote(to)}`,
  ].join('\n');
}

export type RenameOutcome = { kind: 'renamed' } | { kind: 'link'; message: string } | { kind: 'missing' } | { kind: 'failed'; detail: string };

/** What the rename script's result means, for `from` → `to`. */
export function readRenameResult(result: ExecResult, from: string, to: string): RenameOutcome {
  if (result.exitCode === 0) return { kind: 'renamed' };
  if (result.exitCode === LINK_ON_THE_WAY_EXIT_CODE) {
    const [linkPath = '', target = ''] = result.stdout.split('\0');
    const shownPath = linkPath === from || from.startsWith(`${linkPath}/`) ? from : to;
    return { kind: 'link', message: symbolicLinkRefusal(shownPath, linkPath, target) };
  }
  if (result.exitCode === MISSING_SOURCE_EXIT_CODE) return { kind: 'missing' };
  return { kind: 'failed', detail: result.stderr.trim() };
}
