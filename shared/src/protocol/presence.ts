import { z } from 'zod';
import { MAX_DISPLAY_NAME_CHARS } from '../limits.js';

/**
 * One person's awareness state. The server checks `user.id` against the connection's signed identity,
 * so nobody can appear as someone else.
 */
export const presenceStateSchema = z
  .object({
    user: z.object({
      id: z.string().max(64),
      name: z.string().max(MAX_DISPLAY_NAME_CHARS),
      color: z.string().regex(/^#[0-9a-fA-F]{6}$/),
    }),
    focus: z.enum(['plan', 'transcript', 'files', 'terminal', 'editor']).nullable().optional(),
    openFile: z.string().max(1024).nullable().optional(),
    typing: z.boolean().optional(),
    /** y-monaco's cursor in the open file: Yjs relative positions as JSON. */
    selection: z
      .object({ anchor: z.record(z.string(), z.unknown()), head: z.record(z.string(), z.unknown()) })
      .nullable()
      .optional(),
  })
  .strict();
export type PresenceState = z.infer<typeof presenceStateSchema>;

/** Colours picked per person, readable on the dark and light surfaces of the app. */
export const PRESENCE_COLORS = [
  '#e5484d',
  '#f76b15',
  '#ffc53d',
  '#46a758',
  '#12a594',
  '#0090ff',
  '#6e56cf',
  '#d6409f',
] as const;

export function colorForUserId(userId: string): string {
  let hash = 0;
  for (const char of userId) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return PRESENCE_COLORS[hash % PRESENCE_COLORS.length] ?? PRESENCE_COLORS[0];
}
