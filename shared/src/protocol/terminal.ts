import { z } from 'zod';

/** Largest input frame a client may send to a terminal (a big paste). */
export const MAX_TERMINAL_INPUT_CHARS = 64 * 1024;
/**
 * A PTY's size stays within these bounds. A screen outside them (a window made very short, devtools
 * docked, a stacked phone layout) is clamped to them by the client before it sends and by the server
 * when it reads: a size is never a reason to drop a shared terminal.
 */
export const MIN_TERMINAL_COLS = 10;
export const MAX_TERMINAL_COLS = 500;
export const MIN_TERMINAL_ROWS = 4;
export const MAX_TERMINAL_ROWS = 300;
/** The terminal every session starts with. */
export const DEFAULT_TERMINAL_ID = 't1';
export const TERMINAL_PATH = '/terminal';

/** Close code for a terminal id the session does not have (fatal: reconnecting cannot help). */
export const TERMINAL_NOT_FOUND_CLOSE = 4414;

export interface TerminalSize {
  cols: number;
  rows: number;
}

function clampDimension(value: number, min: number, max: number): number {
  // JSON cannot carry NaN, but a caller inside the client can: treat it as the smallest size.
  if (Number.isNaN(value)) return min;
  return Math.min(max, Math.max(min, Math.floor(value)));
}

/** Brings any screen size within the PTY's bounds (whole cells, at least 4 rows and 10 columns). */
export function clampTerminalSize(size: TerminalSize): TerminalSize {
  return {
    cols: clampDimension(size.cols, MIN_TERMINAL_COLS, MAX_TERMINAL_COLS),
    rows: clampDimension(size.rows, MIN_TERMINAL_ROWS, MAX_TERMINAL_ROWS),
  };
}

export const terminalIdSchema = z.string().regex(/^t[0-9]{1,4}$/, 'terminal ids look like t1, t2, …');

/** A service's log is shown as a read-only terminal tab with this id (service names are short lowercase words). */
export const SERVICE_LOG_TERMINAL_PREFIX = 'service-';
export const serviceLogTerminalId = (serviceName: string) => `${SERVICE_LOG_TERMINAL_PREFIX}${serviceName}`;
export const serviceLogTerminalIdSchema = z.string().regex(/^service-[a-z0-9][a-z0-9_-]{0,39}$/, 'service log ids look like service-postgres');
/** A shell's id or a service log's id. */
export const anyTerminalIdSchema = z.union([terminalIdSchema, serviceLogTerminalIdSchema]);

/** Client → server, as JSON text frames. */
export const terminalClientMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('input'), data: z.string().min(1).max(MAX_TERMINAL_INPUT_CHARS) }),
  // Any numeric size is accepted and clamped: a screen that is too small or too large is still a
  // screen, and refusing it would cut that person off from the shared terminal.
  z
    .object({ type: z.literal('resize'), cols: z.number(), rows: z.number() })
    .transform(({ type, cols, rows }) => ({ type, ...clampTerminalSize({ cols, rows }) })),
]);
/** What a client sends (sizes already clamped) and what the server reads after parsing. */
export type TerminalClientMessage = z.infer<typeof terminalClientMessageSchema>;

/**
 * Server → client. Output travels as binary frames (UTF-8 bytes); these are JSON text frames.
 * `ready` comes first, then the scrollback as one binary frame, then the live stream.
 */
export type TerminalServerMessage =
  | { type: 'ready'; terminalId: string; canType: boolean; cols: number; rows: number }
  | { type: 'size'; cols: number; rows: number }
  | { type: 'exit'; exitCode: number }
  | { type: 'refused'; message: string };

export function terminalPath(sessionId: string, terminalId: string): string {
  return `${TERMINAL_PATH}/${encodeURIComponent(sessionId)}/${encodeURIComponent(terminalId)}`;
}
