import * as Y from 'yjs';
import type { z } from 'zod';
import type { DocOrigin } from './origins.js';
import { flushStream, guardStreamChunk, guardText, guardValue } from './text-guard.js';

// The network root's accessors live beside these, in their own file.
export { markNetworkHostAllowed, readNetworkDenials, recordNetworkDenial } from './network-accessors.js';
import {
  fileInfoMap,
  fileInfoSchema,
  filesMap,
  metaMap,
  planArray,
  planStepSchema,
  queueArray,
  queuedMessageSchema,
  sessionMetaSchema,
  transcriptArray,
  transcriptEntrySchema,
  type AgentState,
  type FileInfo,
  type FileListing,
  type QueuedMessage,
  type ToolCallEntry,
  type PlanStep,
  type SessionMeta,
  type SessionTimings,
  type TimingStage,
  type TranscriptEntry,
  type UserMessageEntry,
} from './schema.js';

/** Reads the meta map; fields a peer wrote with the wrong type fall back to defaults. */
export function readMeta(doc: Y.Doc): SessionMeta {
  return sessionMetaSchema.parse(metaMap(doc).toJSON());
}

export function writeMeta(doc: Y.Doc, patch: Partial<SessionMeta>, origin: DocOrigin): void {
  doc.transact(() => {
    const map = metaMap(doc);
    for (const [key, value] of Object.entries(guardValue(doc, patch))) {
      if (value !== undefined) map.set(key, value);
    }
  }, origin);
}

/** Removes meta fields (the store has no value for them, so the doc must show none). */
export function clearMetaFields(doc: Y.Doc, keys: ReadonlyArray<keyof SessionMeta>, origin: DocOrigin): void {
  doc.transact(() => {
    const map = metaMap(doc);
    for (const key of keys) if (map.has(key)) map.delete(key);
  }, origin);
}

/** The items of a doc array that pass `schema`; items a buggy or hostile peer wrote are skipped, not shown. */
function readValid<T>(items: Y.Array<Y.Map<unknown>>, schema: z.ZodType<T>): T[] {
  const valid: T[] = [];
  for (const item of items) {
    const parsed = schema.safeParse(item.toJSON());
    if (parsed.success) valid.push(parsed.data);
  }
  return valid;
}

export function readTranscript(doc: Y.Doc): TranscriptEntry[] {
  return readValid(transcriptArray(doc), transcriptEntrySchema);
}

function mapFrom(record: Record<string, unknown>): Y.Map<unknown> {
  const map = new Y.Map<unknown>();
  for (const [key, value] of Object.entries(record)) {
    if (value !== undefined) map.set(key, value);
  }
  return map;
}

export function appendTranscriptEntry(doc: Y.Doc, entry: TranscriptEntry, origin: DocOrigin): void {
  doc.transact(() => transcriptArray(doc).push([mapFrom(guardValue(doc, entry))]), origin);
}

export function appendUserMessage(doc: Y.Doc, message: Omit<UserMessageEntry, 'kind'>, origin: DocOrigin): void {
  appendTranscriptEntry(doc, { kind: 'user-message', ...message }, origin);
}

export function readPlan(doc: Y.Doc): PlanStep[] {
  return readValid(planArray(doc), planStepSchema);
}

function findPlanStep(doc: Y.Doc, stepId: string): Y.Map<unknown> | undefined {
  return planArray(doc)
    .toArray()
    .find((item) => item.get('id') === stepId);
}

export function addPlanStep(doc: Y.Doc, step: Pick<PlanStep, 'id' | 'title'> & Partial<PlanStep>, origin: DocOrigin): void {
  const full: PlanStep = guardValue(doc, { status: 'pending', kind: 'agent', attempts: 0, ...step });
  doc.transact(() => planArray(doc).push([mapFrom(full)]), origin);
}

export function updatePlanStep(
  doc: Y.Doc,
  stepId: string,
  patch: Partial<Pick<PlanStep, 'title' | 'status' | 'note' | 'attempts'>>,
  origin: DocOrigin,
): boolean {
  const step = findPlanStep(doc, stepId);
  if (!step) return false;
  doc.transact(() => {
    for (const [key, value] of Object.entries(guardValue(doc, patch))) {
      if (value !== undefined) step.set(key, value);
    }
  }, origin);
  return true;
}

export function removePlanStep(doc: Y.Doc, stepId: string, origin: DocOrigin): boolean {
  const index = planArray(doc)
    .toArray()
    .findIndex((item) => item.get('id') === stepId);
  if (index < 0) return false;
  doc.transact(() => planArray(doc).delete(index, 1), origin);
  return true;
}

/** The whole tree from `fileInfo`, plus whether each file is in the live working set. */
export function readFileListing(doc: Y.Doc): FileListing[] {
  const live = filesMap(doc);
  const listing: FileListing[] = [];
  for (const [path, info] of fileInfoMap(doc).entries()) {
    const parsed = fileInfoSchema.safeParse(info.toJSON());
    if (parsed.success) listing.push({ path, live: live.has(path), ...parsed.data });
  }
  return listing.sort((left, right) => left.path.localeCompare(right.path));
}

/** Records when a start-up stage finished; `reset` starts a new waterfall (a new boot). */
export function recordTiming(doc: Y.Doc, stage: TimingStage, atMs: number, origin: DocOrigin, reset = false): void {
  const timings: SessionTimings = reset ? {} : { ...readMeta(doc).timings };
  timings[stage] = atMs;
  writeMeta(doc, { timings }, origin);
}

/** Finds a transcript entry by id, newest first (the entries the agent updates are recent). */
function findTranscriptEntry(doc: Y.Doc, entryId: string): Y.Map<unknown> | undefined {
  const entries = transcriptArray(doc);
  for (let index = entries.length - 1; index >= 0; index -= 1) {
    const entry = entries.get(index);
    if (entry.get('id') === entryId) return entry;
  }
  return undefined;
}

/** Starts an assistant text entry whose Y.Text the agent appends to while it streams. */
export function appendAssistantText(doc: Y.Doc, entry: { id: string; runId: string; turn?: number; createdAt: number }, origin: DocOrigin): void {
  doc.transact(() => {
    const map = mapFrom({ kind: 'assistant-text', streaming: true, ...entry });
    map.set('text', new Y.Text());
    transcriptArray(doc).push([map]);
  }, origin);
}

export function appendAssistantDelta(doc: Y.Doc, entryId: string, delta: string, origin: DocOrigin): boolean {
  const text = findTranscriptEntry(doc, entryId)?.get('text');
  if (!(text instanceof Y.Text)) return false;
  const shown = guardStreamChunk(doc, text, delta);
  if (shown !== '') doc.transact(() => text.insert(text.length, shown), origin);
  return true;
}

export function finishAssistantText(doc: Y.Doc, entryId: string, origin: DocOrigin): void {
  const entry = findTranscriptEntry(doc, entryId);
  if (!entry) return;
  const text = entry.get('text');
  const held = text instanceof Y.Text ? flushStream(text) : '';
  doc.transact(() => {
    if (held !== '' && text instanceof Y.Text) text.insert(text.length, held);
    entry.set('streaming', false);
  }, origin);
}

/** Removes a transcript entry (an assistant reply discarded before a retry). */
export function removeTranscriptEntry(doc: Y.Doc, entryId: string, origin: DocOrigin): boolean {
  const entries = transcriptArray(doc);
  for (let index = entries.length - 1; index >= 0; index -= 1) {
    if (entries.get(index).get('id') === entryId) {
      doc.transact(() => entries.delete(index, 1), origin);
      return true;
    }
  }
  return false;
}

export function updateToolCall(
  doc: Y.Doc,
  entryId: string,
  patch: Partial<Pick<ToolCallEntry, 'status' | 'input' | 'startedAt' | 'durationMs' | 'output' | 'outputTruncated' | 'files'>>,
  origin: DocOrigin,
): boolean {
  const entry = findTranscriptEntry(doc, entryId);
  if (!entry) return false;
  doc.transact(() => {
    for (const [key, value] of Object.entries(guardValue(doc, patch))) {
      if (value !== undefined) entry.set(key, value);
    }
  }, origin);
  return true;
}

/**
 * Appends to a running tool call's live output, keeping only its last `maxChars` characters (cut at
 * a line start when one is near), so a long command shows its latest lines without growing the doc.
 */
export function appendLiveToolOutput(doc: Y.Doc, entryId: string, piece: string, maxChars: number, origin: DocOrigin): boolean {
  const entry = findTranscriptEntry(doc, entryId);
  // The sandbox's output streams are redacted as they arrive (a value split across pieces is caught there).
  const chunk = guardText(doc, piece);
  if (!entry || chunk === '') return false;
  doc.transact(() => {
    let text = entry.get('liveOutput');
    if (!(text instanceof Y.Text)) {
      text = new Y.Text();
      entry.set('liveOutput', text);
    }
    const live = text as Y.Text;
    live.insert(live.length, chunk.length > maxChars ? chunk.slice(-maxChars) : chunk);
    const over = live.length - maxChars;
    if (over > 0) {
      const lineStart = live.toString().indexOf('\n', over) + 1;
      live.delete(0, lineStart > 0 && lineStart - over <= LIVE_OUTPUT_LINE_SLACK_CHARS ? lineStart : over);
    }
    if ((over > 0 || chunk.length > maxChars) && entry.get('liveOutputCut') !== true) entry.set('liveOutputCut', true);
  }, origin);
  return true;
}

/** How far past the cap the live output may be cut to start at a whole line. */
const LIVE_OUTPUT_LINE_SLACK_CHARS = 200;

/** Ends a tool call's live output (its final, capped output is set with updateToolCall). */
export function clearLiveToolOutput(doc: Y.Doc, entryId: string, origin: DocOrigin): void {
  const entry = findTranscriptEntry(doc, entryId);
  if (!entry || (!entry.has('liveOutput') && !entry.has('liveOutputCut'))) return;
  doc.transact(() => {
    entry.delete('liveOutput');
    entry.delete('liveOutputCut');
  }, origin);
}

export function readQueue(doc: Y.Doc): QueuedMessage[] {
  return readValid(queueArray(doc), queuedMessageSchema);
}

export function enqueueMessage(doc: Y.Doc, message: QueuedMessage, origin: DocOrigin): void {
  doc.transact(() => queueArray(doc).push([mapFrom(guardValue(doc, message))]), origin);
}

/** Takes the queued messages `pick` chooses out of the queue, in queue order. */
export function takeQueuedMessages(doc: Y.Doc, pick: (message: QueuedMessage) => boolean, origin: DocOrigin): QueuedMessage[] {
  const queue = queueArray(doc);
  const taken: QueuedMessage[] = [];
  doc.transact(() => {
    for (let index = queue.length - 1; index >= 0; index -= 1) {
      const parsed = queuedMessageSchema.safeParse(queue.get(index).toJSON());
      if (!parsed.success) {
        queue.delete(index, 1);
      } else if (pick(parsed.data)) {
        taken.unshift(parsed.data);
        queue.delete(index, 1);
      }
    }
  }, origin);
  return taken;
}

export function readAgentState(doc: Y.Doc): AgentState | undefined {
  return readMeta(doc).agent;
}

export function writeAgentState(doc: Y.Doc, state: AgentState, origin: DocOrigin): void {
  writeMeta(doc, { agent: state }, origin);
}

export function readFileInfo(doc: Y.Doc, path: string): FileInfo | undefined {
  const parsed = fileInfoSchema.safeParse(fileInfoMap(doc).get(path)?.toJSON());
  return parsed.success ? parsed.data : undefined;
}

/** Writes a file's entry in the tree, touching only the fields that changed. */
export function writeFileInfo(doc: Y.Doc, path: string, info: FileInfo, origin: DocOrigin): void {
  doc.transact(() => {
    const entries = fileInfoMap(doc);
    const existing = entries.get(path);
    if (!existing) {
      entries.set(path, mapFrom(info));
      return;
    }
    for (const [key, value] of Object.entries(info)) {
      if (value !== undefined && existing.get(key) !== value) existing.set(key, value);
    }
  }, origin);
}

/** A file left the tree: its entry and its live text go. */
export function removeFile(doc: Y.Doc, path: string, origin: DocOrigin): void {
  doc.transact(() => {
    fileInfoMap(doc).delete(path);
    filesMap(doc).delete(path);
  }, origin);
}

export function liveFileText(doc: Y.Doc, path: string): Y.Text | undefined {
  const text = filesMap(doc).get(path);
  return text instanceof Y.Text ? text : undefined;
}

/** Puts a file into the live working set with its current content. */
export function addLiveFile(doc: Y.Doc, path: string, content: string, origin: DocOrigin): Y.Text {
  const text = new Y.Text(content);
  doc.transact(() => filesMap(doc).set(path, text), origin);
  return text;
}

export function removeLiveFile(doc: Y.Doc, path: string, origin: DocOrigin): void {
  doc.transact(() => filesMap(doc).delete(path), origin);
}

export function liveFilePaths(doc: Y.Doc): string[] {
  return [...filesMap(doc).keys()];
}
