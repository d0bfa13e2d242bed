import { z } from 'zod';

/** Largest input frame a client may send to a terminal (a big paste). */
export const MAX_TERMINAL_INPUT_CHARS = 64 * 1024;
export const MIN_TERMINAL_COLS = 10;
export const MAX_TERMINAL_COLS = 500;
export const MIN_TERMINAL_ROWS = 4;
export const MAX_TERMINAL_ROWS = 300;
/** The terminal every session starts with. */
export const DEFAULT_TERMINAL_ID = 't1';
export const TERMINAL_PATH = '/terminal';

export const terminalIdSchema = z.string().regex(/^t[0-9]{1,4}$/, 'terminal ids look like t1, t2, …');

/** Client → server, as JSON text frames. */
export const terminalClientMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('input'), data: z.string().min(1).max(MAX_TERMINAL_INPUT_CHARS) }),
  z.object({
    type: z.literal('resize'),
    cols: z.number().int().min(MIN_TERMINAL_COLS).max(MAX_TERMINAL_COLS),
    rows: z.number().int().min(MIN_TERMINAL_ROWS).max(MAX_TERMINAL_ROWS),
  }),
]);
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
