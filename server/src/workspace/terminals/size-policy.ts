import type { TerminalSize } from '@tandem/shared/protocol/terminal.js';

export type { TerminalSize };

export const DEFAULT_TERMINAL_SIZE: TerminalSize = { cols: 100, rows: 30 };

/** A connected screen: its size once it has told it, and whether its person may type (an editor). */
export interface TerminalScreen {
  size: TerminalSize | null;
  canType: boolean;
}

/**
 * One PTY, many screens: the PTY takes the smallest columns and rows among the editors' screens (as
 * tmux does), so every editor sees the whole terminal and nobody's lines wrap mid-screen. A viewer's
 * screen never counts: someone who may not type must not be able to shrink the editors' terminal
 * (to 10×4); a viewer smaller than the PTY scrolls or scales its view instead. With no editor's
 * screen, the PTY keeps the size it has (the last editors' size, or the default it started with).
 */
export function decideTerminalSize(screens: Iterable<TerminalScreen>, current: TerminalSize): TerminalSize {
  let cols = Infinity;
  let rows = Infinity;
  for (const screen of screens) {
    if (!screen.canType || !screen.size) continue;
    cols = Math.min(cols, screen.size.cols);
    rows = Math.min(rows, screen.size.rows);
  }
  return Number.isFinite(cols) && Number.isFinite(rows) ? { cols, rows } : current;
}
