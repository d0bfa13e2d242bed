import type { TerminalSize } from '../../../shared/src/protocol/terminal.js';

export type { TerminalSize };

export const DEFAULT_TERMINAL_SIZE: TerminalSize = { cols: 100, rows: 30 };

/**
 * One PTY, many screens: the PTY takes the smallest columns and rows among the connected screens
 * (as tmux does), so every viewer sees the whole terminal and nobody's lines wrap mid-screen.
 */
export function decideTerminalSize(screens: Iterable<TerminalSize>, fallback: TerminalSize = DEFAULT_TERMINAL_SIZE): TerminalSize {
  let cols = Infinity;
  let rows = Infinity;
  for (const screen of screens) {
    cols = Math.min(cols, screen.cols);
    rows = Math.min(rows, screen.rows);
  }
  return Number.isFinite(cols) && Number.isFinite(rows) ? { cols, rows } : fallback;
}
