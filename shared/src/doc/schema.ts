import type * as Y from 'yjs';
import { z } from 'zod';
import { MAX_CHAT_MESSAGE_CHARS, MAX_PLAN_STEP_TITLE_CHARS } from '../limits.js';

/** Root keys of the session doc. Nothing outside shared/src/doc names them. */
const ROOT = {
  meta: 'meta',
  transcript: 'transcript',
  plan: 'plan',
  queue: 'queue',
  fileInfo: 'fileInfo',
  files: 'files',
} as const;

export const SESSION_STATUSES = ['idle', 'starting', 'running', 'waiting', 'done', 'failed', 'stopped'] as const;
export const sessionStatusSchema = z.enum(SESSION_STATUSES);
export type SessionStatus = z.infer<typeof sessionStatusSchema>;

/**
 * The start-up waterfall, epoch milliseconds per stage: requestedAt, snapshotReadyAt,
 * sandboxAcquiredAt, workspaceMountedAt, terminalReadyAt.
 */
export const TIMING_STAGES = ['requestedAt', 'snapshotReadyAt', 'sandboxAcquiredAt', 'workspaceMountedAt', 'terminalReadyAt'] as const;
export type TimingStage = (typeof TIMING_STAGES)[number];
export const sessionTimingsSchema = z.partialRecord(z.enum(TIMING_STAGES), z.number());
export type SessionTimings = z.infer<typeof sessionTimingsSchema>;

export const SANDBOX_STATES = ['none', 'booting', 'ready', 'failed', 'stopped'] as const;
export const sandboxStateSchema = z.enum(SANDBOX_STATES);
export type SandboxState = z.infer<typeof sandboxStateSchema>;

export const sessionMetaSchema = z.object({
  title: z.string().catch(''),
  repo: z.string().catch(''),
  status: sessionStatusSchema.catch('idle'),
  ownerId: z.string().catch(''),
  ownerName: z.string().catch(''),
  createdAt: z.number().catch(0),
  model: z.string().optional().catch(undefined),
  blueprint: z.string().optional().catch(undefined),
  /** Which provider runs the sandbox (local, e2b). */
  sandbox: z.string().optional().catch(undefined),
  sandboxState: sandboxStateSchema.catch('none'),
  /** Whether the sandbox came from the warm pool or was booted cold. */
  sandboxSource: z.enum(['warm-pool', 'cold']).optional().catch(undefined),
  /** What the sandbox is doing or why it failed, for the start-up display. */
  sandboxMessage: z.string().optional().catch(undefined),
  timings: sessionTimingsSchema.catch({}),
  terminals: z.array(z.string()).catch([]),
});
export type SessionMeta = z.infer<typeof sessionMetaSchema>;

export const userMessageEntrySchema = z.object({
  kind: z.literal('user-message'),
  id: z.string(),
  authorId: z.string(),
  authorName: z.string(),
  text: z.string().max(MAX_CHAT_MESSAGE_CHARS),
  delivery: z.enum(['chat', 'steer', 'queue', 'interrupt']),
  createdAt: z.number(),
});
export const systemNoticeEntrySchema = z.object({
  kind: z.literal('system-notice'),
  id: z.string(),
  text: z.string(),
  level: z.enum(['info', 'warning', 'error']),
  createdAt: z.number(),
});
export const transcriptEntrySchema = z.discriminatedUnion('kind', [userMessageEntrySchema, systemNoticeEntrySchema]);
export type UserMessageEntry = z.infer<typeof userMessageEntrySchema>;
export type SystemNoticeEntry = z.infer<typeof systemNoticeEntrySchema>;
export type TranscriptEntry = z.infer<typeof transcriptEntrySchema>;

export const PLAN_STEP_STATUSES = ['pending', 'in_progress', 'done', 'failed', 'skipped'] as const;
export const planStepStatusSchema = z.enum(PLAN_STEP_STATUSES);
export type PlanStepStatus = z.infer<typeof planStepStatusSchema>;
export const planStepSchema = z.object({
  id: z.string(),
  title: z.string().max(MAX_PLAN_STEP_TITLE_CHARS).catch(''),
  status: planStepStatusSchema.catch('pending'),
  kind: z.enum(['agent', 'run', 'gate']).catch('agent'),
  attempts: z.number().int().nonnegative().catch(0),
  maxAttempts: z.number().int().positive().optional().catch(undefined),
  note: z.string().optional().catch(undefined),
});
export type PlanStep = z.infer<typeof planStepSchema>;

export const fileInfoSchema = z.object({
  size: z.number().nonnegative(),
  kind: z.enum(['text', 'binary', 'too-large']),
  changedInSession: z.boolean().catch(false),
  lastWriter: z.string().optional().catch(undefined),
});
export type FileInfo = z.infer<typeof fileInfoSchema>;
export interface FileListing extends FileInfo {
  path: string;
  live: boolean;
}

export function metaMap(doc: Y.Doc): Y.Map<unknown> {
  return doc.getMap(ROOT.meta);
}
export function transcriptArray(doc: Y.Doc): Y.Array<Y.Map<unknown>> {
  return doc.getArray(ROOT.transcript);
}
export function planArray(doc: Y.Doc): Y.Array<Y.Map<unknown>> {
  return doc.getArray(ROOT.plan);
}
export function queueArray(doc: Y.Doc): Y.Array<Y.Map<unknown>> {
  return doc.getArray(ROOT.queue);
}
export function fileInfoMap(doc: Y.Doc): Y.Map<Y.Map<unknown>> {
  return doc.getMap(ROOT.fileInfo);
}
export function filesMap(doc: Y.Doc): Y.Map<Y.Text> {
  return doc.getMap(ROOT.files);
}

/** Calls `onChange` after any change to the root types given (all of them by default); returns the unsubscribe. */
export function observeSessionDoc(doc: Y.Doc, onChange: () => void): () => void {
  const roots = [metaMap(doc), transcriptArray(doc), planArray(doc), queueArray(doc), fileInfoMap(doc), filesMap(doc)];
  const handler = () => onChange();
  for (const root of roots) root.observeDeep(handler);
  return () => {
    for (const root of roots) root.unobserveDeep(handler);
  };
}
