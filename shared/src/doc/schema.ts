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
  network: 'network',
  run: 'run',
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

/** `unavailable`: this server cannot run sandboxes at all (missing system packages); `sandboxFix` says the command. */
export const SANDBOX_STATES = ['none', 'booting', 'ready', 'failed', 'stopped', 'unavailable'] as const;
export const sandboxStateSchema = z.enum(SANDBOX_STATES);
export type SandboxState = z.infer<typeof sandboxStateSchema>;

/**
 * A service the repo's `.tandem/environment.json` declares, as its sandbox runs it: `starting` until
 * its ready check passes (`ready`) or gives up (`failed`); a ready service that exits is `crashed`.
 */
export const SERVICE_STATES = ['starting', 'ready', 'failed', 'crashed', 'stopped'] as const;
export type ServiceState = (typeof SERVICE_STATES)[number];
export const serviceStatusSchema = z.object({
  name: z.string(),
  state: z.enum(SERVICE_STATES).catch('stopped'),
  /** The read-only terminal tab that shows its log. */
  terminalId: z.string(),
  /** When this run of it started and when its ready check passed (epoch ms; may be before the session asked, in a warm sandbox). */
  startedAt: z.number().catch(0),
  readyAt: z.number().optional().catch(undefined),
  exitCode: z.number().nullable().optional().catch(undefined),
  /** How many times it was started again (automatically after a crash, or by an editor). */
  restarts: z.number().int().nonnegative().catch(0),
  /** Why it failed or crashed, and the last lines of its log then (capped). */
  message: z.string().optional().catch(undefined),
  logTail: z.string().optional().catch(undefined),
});
export type ServiceStatus = z.infer<typeof serviceStatusSchema>;

export const AGENT_RUN_STATES = ['idle', 'running', 'retrying', 'stopping', 'done', 'failed', 'stopped'] as const;
export type AgentRunState = (typeof AGENT_RUN_STATES)[number];
/** The agent's state, budget and spend, written by the server only. */
export const agentStateSchema = z.object({
  state: z.enum(AGENT_RUN_STATES).catch('idle'),
  runId: z.string().optional().catch(undefined),
  startedBy: z.string().optional().catch(undefined),
  model: z.string().catch(''),
  turns: z.number().catch(0),
  maxTurns: z.number().catch(0),
  inputTokens: z.number().catch(0),
  outputTokens: z.number().catch(0),
  maxOutputTokens: z.number().catch(0),
  costUsd: z.number().catch(0),
  /** Why the run ended or what it is waiting for. */
  message: z.string().optional().catch(undefined),
});
export type AgentState = z.infer<typeof agentStateSchema>;

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
  /** With sandboxState `unavailable`: the one command the server's operator runs to get sandboxes ('' when none would). */
  sandboxFix: z.string().optional().catch(undefined),
  timings: sessionTimingsSchema.catch({}),
  terminals: z.array(z.string()).catch([]),
  /** The repo's declared services in this session's sandbox (server-written, like all of meta). */
  services: z.array(serviceStatusSchema).catch([]),
  agent: agentStateSchema.optional().catch(undefined),
  /** When the owner ended the session; an ended session boots no sandbox. */
  endedAt: z.number().optional().catch(undefined),
  /** Set when the session ended and its workspace was kept: a new session can resume from it. */
  endSnapshot: z.object({ id: z.string(), builtAtMs: z.number() }).optional().catch(undefined),
  /** Set on a session that resumed another one's saved workspace. */
  resumedFrom: z.object({ sessionId: z.string(), snapshotId: z.string() }).optional().catch(undefined),
  /** The commit the session's workspace started from ('none' when the repo is not a git repo) and when its snapshot was built. */
  startedFrom: z.object({ commit: z.string(), snapshotBuiltAtMs: z.number() }).optional().catch(undefined),
  /** Set while (and after) this session's start waited for a new snapshot because the repo's HEAD had moved past the old one. */
  snapshotUpdate: z.object({ commit: z.string(), sinceBuiltAtMs: z.number() }).optional().catch(undefined),
  /** Set once a person updated the running workspace to the repo's newer commit (it started from startedFrom.commit). */
  updatedTo: z.object({ commit: z.string(), byName: z.string(), atMs: z.number() }).optional().catch(undefined),
  /** Set on a running session once the repo's snapshot was rebuilt at a commit other than the one it started from. */
  repoMoved: z.object({ commit: z.string(), snapshotBuiltAtMs: z.number() }).optional().catch(undefined),
  /**
   * Set on the sessions a failed snapshot rebuild affects: what failed, the last lines of the build's
   * log, the commit it tried, and the snapshot (its build time) they run on instead.
   */
  snapshotFailure: z
    .object({ summary: z.string(), logTail: z.string(), commit: z.string(), failedAtMs: z.number(), runningOnBuiltAtMs: z.number() })
    .optional()
    .catch(undefined),
  /** Set on an ended session once another resumed it: where its people carried on (from the store). */
  continuedIn: z.object({ sessionId: z.string(), title: z.string() }).optional().catch(undefined),
});
export type SessionMeta = z.infer<typeof sessionMetaSchema>;

/**
 * How a person's message reaches the agent: `chat` is for people only; `prompt` starts a run;
 * `steer` lands at the next tool boundary; `queue` runs after the current turn; `interrupt` aborts now.
 */
export const DELIVERY_MODES = ['chat', 'prompt', 'steer', 'queue', 'interrupt'] as const;
export const deliveryModeSchema = z.enum(DELIVERY_MODES);
export type DeliveryMode = z.infer<typeof deliveryModeSchema>;

export const userMessageEntrySchema = z.object({
  kind: z.literal('user-message'),
  id: z.string(),
  authorId: z.string(),
  authorName: z.string(),
  text: z.string().max(MAX_CHAT_MESSAGE_CHARS),
  delivery: deliveryModeSchema,
  createdAt: z.number(),
});
/** The agent's streamed words; `text` is a Y.Text in the doc, appended in batches while it streams. */
export const assistantTextEntrySchema = z.object({
  kind: z.literal('assistant-text'),
  id: z.string(),
  runId: z.string(),
  /** The run's model turn (1-based) this text came in, so a later run can rebuild the conversation turn by turn. */
  turn: z.number().int().optional(),
  text: z.string(),
  streaming: z.boolean().catch(false),
  createdAt: z.number(),
});
export const TOOL_CALL_STATUSES = ['pending', 'running', 'done', 'error'] as const;
export type ToolCallStatus = (typeof TOOL_CALL_STATUSES)[number];
/** One tool call of the agent; `id` is the model's tool_use id. Input and output are capped. */
export const toolCallEntrySchema = z.object({
  kind: z.literal('tool-call'),
  id: z.string(),
  runId: z.string(),
  /** The run's model turn (1-based) that asked for this call. */
  turn: z.number().int().optional(),
  name: z.string(),
  /** The call's input as JSON text (capped). */
  input: z.string(),
  status: z.enum(TOOL_CALL_STATUSES),
  createdAt: z.number(),
  /** When the call started running (server clock), for the elapsed time shown while it runs. */
  startedAt: z.number().optional(),
  durationMs: z.number().optional(),
  output: z.string().optional(),
  outputTruncated: z.boolean().optional(),
  /**
   * While the call runs: the tail of its output so far (a Y.Text in the doc, appended in batches and
   * capped to MAX_TOOL_OUTPUT_DOC_CHARS). Removed when it ends and `output` is set.
   */
  liveOutput: z.string().optional(),
  /** The live output's beginning was dropped to stay within the cap. */
  liveOutputCut: z.boolean().optional(),
  /** Workspace paths the call read or wrote, so the transcript can link them to the editor. */
  files: z.array(z.string()).optional(),
});
export const systemNoticeEntrySchema = z.object({
  kind: z.literal('system-notice'),
  id: z.string(),
  text: z.string(),
  level: z.enum(['info', 'warning', 'error']),
  createdAt: z.number(),
});
export const transcriptEntrySchema = z.discriminatedUnion('kind', [
  userMessageEntrySchema,
  systemNoticeEntrySchema,
  assistantTextEntrySchema,
  toolCallEntrySchema,
]);
export type UserMessageEntry = z.infer<typeof userMessageEntrySchema>;
export type AssistantTextEntry = z.infer<typeof assistantTextEntrySchema>;
export type ToolCallEntry = z.infer<typeof toolCallEntrySchema>;
export type SystemNoticeEntry = z.infer<typeof systemNoticeEntrySchema>;
export type TranscriptEntry = z.infer<typeof transcriptEntrySchema>;

/** A steering message waiting for its delivery point; visible to all, cancellable by its author or the owner. */
export const queuedMessageSchema = z.object({
  id: z.string(),
  authorId: z.string(),
  authorName: z.string(),
  text: z.string().max(MAX_CHAT_MESSAGE_CHARS),
  delivery: z.enum(['steer', 'queue']),
  createdAt: z.number(),
});
export type QueuedMessage = z.infer<typeof queuedMessageSchema>;

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

/**
 * A connection the sandbox's network policy refused, keyed `host:port` in the `network` root (server
 * written; bounded to MAX_NETWORK_DENIALS_IN_DOC, the oldest go first). `allowedBy` is set once an
 * editor opened the host for the session.
 */
export const MAX_NETWORK_DENIALS_IN_DOC = 50;
export const networkDenialSchema = z.object({
  host: z.string(),
  port: z.number().int(),
  phase: z.enum(['setup', 'session']).catch('session'),
  reason: z.string().catch(''),
  attempts: z.number().int().nonnegative().catch(1),
  lastAt: z.number().catch(0),
  allowedBy: z.string().optional().catch(undefined),
});
export type NetworkDenial = z.infer<typeof networkDenialSchema>;

export function networkMap(doc: Y.Doc): Y.Map<Y.Map<unknown>> {
  return doc.getMap(ROOT.network);
}

/** The blueprint run (run-schema.ts), written by the server only. */
export function runMap(doc: Y.Doc): Y.Map<unknown> {
  return doc.getMap(ROOT.run);
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

export type SessionDocRoot = keyof typeof ROOT;
/** Every root of the session doc; an update that adds any other root is refused. */
export const SESSION_DOC_ROOTS = Object.keys(ROOT) as SessionDocRoot[];

/**
 * Calls `onChange` after a change to the roots given (all by default); returns the unsubscribe.
 * `files` is watched for files entering or leaving the working set, not for every keystroke in
 * them (the editor binds to each file's Y.Text itself), so typing does not re-read the rest.
 */
export function observeSessionDoc(doc: Y.Doc, onChange: () => void, roots: readonly SessionDocRoot[] = Object.keys(ROOT) as SessionDocRoot[]): () => void {
  const handler = () => onChange();
  const deep = { meta: metaMap, transcript: transcriptArray, plan: planArray, queue: queueArray, fileInfo: fileInfoMap, network: networkMap, run: runMap } as const;
  const unsubscribes = roots.map((root) => {
    if (root === 'files') {
      const files = filesMap(doc);
      files.observe(handler);
      return () => files.unobserve(handler);
    }
    const type = deep[root](doc) as Y.AbstractType<unknown>;
    type.observeDeep(handler);
    return () => type.unobserveDeep(handler);
  });
  return () => unsubscribes.forEach((unsubscribe) => unsubscribe());
}
