import { z } from 'zod';
import { MAX_DISPLAY_NAME_CHARS } from '../limits.js';

/** A Yjs item id (`Y.ID`): the client that made it and that client's clock. */
const yjsIdSchema = z.object({ client: z.number().int().nonnegative(), clock: z.number().int().nonnegative() }).strict();

/** Longest root type name a relative position may name (ours are short: `files`, `plan`, …). */
const MAX_ROOT_TYPE_NAME_CHARS = 64;

/**
 * A `Y.RelativePosition` as y-monaco puts it in awareness: in the local state a class instance
 * (`type`, `tname`, `item`, `assoc`, each present, unset ones null), on the wire the same fields as
 * JSON, and from `Y.relativePositionToJSON` with the unset ones left out. All three are accepted;
 * nothing else is.
 */
export const relativePositionSchema = z
  .object({
    type: yjsIdSchema.nullable().optional(),
    tname: z.string().max(MAX_ROOT_TYPE_NAME_CHARS).nullable().optional(),
    item: yjsIdSchema.nullable().optional(),
    assoc: z.number().int().optional(),
  })
  .strict();

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
    /** y-monaco's cursor in the open file: where the selection starts (anchor) and ends (head). */
    selection: z.object({ anchor: relativePositionSchema, head: relativePositionSchema }).strict().nullable().optional(),
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
