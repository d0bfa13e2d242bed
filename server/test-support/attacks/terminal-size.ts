import type { TerminalClientMessage } from '@tandem/shared/protocol/terminal.js';

/**
 * A viewer shrinks the shared terminal. Every screen sends its size as a raw `resize` frame; when
 * the PTY took the smallest of all the connected screens, a viewer (who may not type) could make
 * every editor's terminal the smallest a PTY may be, 10 columns by 4 rows, and keep it there.
 */
export const SHRINK_TO_THE_MINIMUM: TerminalClientMessage = { type: 'resize', cols: 1, rows: 1 };

/** What the shell itself reports as its size (`stty size`: rows then columns), behind a marker the echoed command line cannot match. */
export const ASK_THE_SHELL_ITS_SIZE = 'echo pty-size-$(stty size | tr " " x)-$((6*7))';
export const SHELL_SIZE_LINE = /pty-size-(\d+)x(\d+)-42/;

/** The size in the shell's last answer to ASK_THE_SHELL_ITS_SIZE. */
export function shellSizeIn(output: string): { cols: number; rows: number } | null {
  const answers = [...output.matchAll(new RegExp(SHELL_SIZE_LINE.source, 'g'))];
  const last = answers.at(-1);
  return last ? { rows: Number(last[1]), cols: Number(last[2]) } : null;
}
