import type * as Y from 'yjs';
import {
  addPlanStep,
  appendAssistantDelta,
  appendAssistantText,
  appendLiveToolOutput,
  appendTranscriptEntry,
  appendUserMessage,
  clearLiveToolOutput,
  finishAssistantText,
  readMeta,
  readPlan,
  readTranscript,
  removeTranscriptEntry,
  takeQueuedMessages,
  updatePlanStep,
  updateToolCall,
  writeAgentState,
  writeMeta,
} from '@tandem/shared/doc/accessors.js';
import { Origin } from '@tandem/shared/doc/origins.js';
import type { AgentState, PlanStep, QueuedMessage, SessionStatus, SystemNoticeEntry, TranscriptEntry } from '@tandem/shared/doc/schema.js';
import { MAX_TOOL_INPUT_DOC_CHARS, MAX_TOOL_OUTPUT_DOC_CHARS } from '@tandem/shared/limits.js';
import { createTextBatcher, type TextBatcher } from '../model/text-batcher.js';
import type { PersonMessage } from './conversation.js';
import { capText, type ToolResult } from './tools/tool.js';

export interface TranscriptWriterDeps {
  /** Applies a change to the session doc (and persists it). */
  change: <T>(apply: (doc: Y.Doc) => T) => Promise<T>;
  /** Keeps a tool call's whole output in the store (the doc holds a capped copy). */
  storeToolOutput?: (toolUseId: string, output: string) => Promise<void>;
  logger: { error(message: string, error?: unknown): void };
}

const noticeId = () => `n_${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

/**
 * Everything one agent run writes to the session doc, tagged with the agent's origin: the one place
 * where what the agent shows is capped (tool input and output) and a tool's output is redacted before
 * its capped copy is made. The doc's text guard redacts again on every write.
 */
export class TranscriptWriter {
  constructor(private readonly deps: TranscriptWriterDeps) {}

  /** The session so far, read in the same step that adds the run's first message. */
  open(first: PersonMessage): Promise<{ earlier: TranscriptEntry[]; plan: PlanStep[] }> {
    return this.deps.change((doc) => {
      const before = { earlier: readTranscript(doc), plan: readPlan(doc) };
      appendUserMessage(doc, { ...first, createdAt: Date.now() }, Origin.agent);
      return before;
    });
  }

  /** Takes the queued messages `pick` chooses, in queue order, and writes each where the agent receives it; `then` runs in the same step. */
  deliverQueued<T>(pick: (message: QueuedMessage) => boolean, then: (taken: QueuedMessage[]) => T): Promise<T> {
    return this.deps.change((doc) => {
      const taken = takeQueuedMessages(doc, pick, Origin.agent);
      for (const message of taken) appendUserMessage(doc, { ...message, createdAt: Date.now() }, Origin.agent);
      return then(taken);
    });
  }

  /**
   * Writes one model turn as it streams: its text entries (batched, a few updates a second) and its
   * tool calls. `written` is every entry it added (a failed attempt's are taken back with `remove`);
   * `finish` flushes and closes the text entries.
   */
  turnStream(runId: string, turn: number, textFlushIntervalMs?: number) {
    const written = new Set<string>();
    const batchers = new Map<number, { entryId: string; batcher: TextBatcher }>();
    const handlers = {
      onTextStart: (blockIndex: number) => {
        const entryId = `${runId}_${turn}_${blockIndex}`;
        written.add(entryId);
        void this.startText({ id: entryId, runId, turn });
        batchers.set(blockIndex, { entryId, batcher: createTextBatcher((text) => this.appendText(entryId, text), textFlushIntervalMs) });
      },
      onTextDelta: (blockIndex: number, text: string) => batchers.get(blockIndex)?.batcher.push(text),
      onToolUseStart: (_blockIndex: number, toolUse: { id: string; name: string }) => {
        written.add(toolUse.id);
        void this.startToolCall({ id: toolUse.id, runId, turn, name: toolUse.name });
      },
      onToolUseComplete: (_blockIndex: number, toolUse: { id: string; inputJson: string }) => {
        void this.toolInput(toolUse.id, toolUse.inputJson);
      },
    };
    const finish = async () => {
      for (const { entryId, batcher } of batchers.values()) {
        await batcher.flush();
        await this.finishText(entryId);
      }
      batchers.clear();
    };
    return { handlers, written, finish };
  }

  startText(entry: { id: string; runId: string; turn: number }): Promise<void> {
    return this.deps.change((doc) => appendAssistantText(doc, { ...entry, createdAt: Date.now() }, Origin.agent));
  }

  appendText(entryId: string, text: string): Promise<void> {
    return this.deps.change((doc) => void appendAssistantDelta(doc, entryId, text, Origin.agent));
  }

  finishText(entryId: string): Promise<void> {
    return this.deps.change((doc) => finishAssistantText(doc, entryId, Origin.agent));
  }

  /** Takes back a failed attempt's partial reply. */
  remove(entryIds: Iterable<string>): Promise<void> {
    return this.deps.change((doc) => {
      for (const entryId of entryIds) removeTranscriptEntry(doc, entryId, Origin.agent);
    });
  }

  startToolCall(call: { id: string; runId: string; turn: number; name: string }): Promise<void> {
    return this.deps.change((doc) => appendTranscriptEntry(doc, { kind: 'tool-call', ...call, input: '', status: 'pending', createdAt: Date.now() }, Origin.agent));
  }

  toolInput(toolUseId: string, inputJson: string): Promise<void> {
    const input = capText(inputJson, MAX_TOOL_INPUT_DOC_CHARS).text;
    return this.deps.change((doc) => void updateToolCall(doc, toolUseId, { input }, Origin.agent));
  }

  toolRunning(toolUseId: string, startedAt: number): Promise<void> {
    return this.deps.change((doc) => void updateToolCall(doc, toolUseId, { status: 'running', startedAt }, Origin.agent));
  }

  /** A running tool's new output, its card's tail capped as the final output is. */
  liveOutput(toolUseId: string, text: string): Promise<void> {
    return this.deps.change((doc) => void appendLiveToolOutput(doc, toolUseId, text, MAX_TOOL_OUTPUT_DOC_CHARS, Origin.agent));
  }

  /**
   * A tool call's result: redacted, its capped copy in the card and its whole output in the store.
   * Returns the redacted result (what the model is sent).
   */
  async finishToolCall(toolUseId: string, result: ToolResult, startedMs: number, redact?: (text: string) => string): Promise<ToolResult> {
    // Redacted here, before the doc's copy is capped: a cap through the middle of a value would leave a
    // piece no later gate (the doc's, the store's, the model request's) recognises.
    const redacted = redact ? { ...result, output: redact(result.output), fullOutput: result.fullOutput === undefined ? undefined : redact(result.fullOutput) } : result;
    const shown = capText(redacted.output, MAX_TOOL_OUTPUT_DOC_CHARS);
    const whole = redacted.fullOutput ?? redacted.output;
    if (shown.truncated || redacted.fullOutput) {
      await this.deps.storeToolOutput?.(toolUseId, whole).catch((error: unknown) => this.deps.logger.error('could not store a tool output', error));
    }
    await this.deps.change((doc) => {
      updateToolCall(
        doc,
        toolUseId,
        {
          status: redacted.isError ? 'error' : 'done',
          durationMs: Date.now() - startedMs,
          output: shown.text,
          outputTruncated: shown.truncated || redacted.fullOutput !== undefined,
          files: redacted.files,
        },
        Origin.agent,
      );
      clearLiveToolOutput(doc, toolUseId, Origin.agent);
    });
    return redacted;
  }

  async markNotRun(toolUseIds: string[], output: string): Promise<void> {
    if (toolUseIds.length === 0) return;
    await this.deps.change((doc) => {
      for (const id of toolUseIds) updateToolCall(doc, id, { status: 'error', output }, Origin.agent);
    });
  }

  updatePlan(steps: Array<{ id?: string; title: string; status: PlanStep['status'] }>): Promise<PlanStep[]> {
    return this.deps.change((doc) => {
      for (const step of steps) {
        const known = step.id !== undefined && readPlan(doc).some((existing) => existing.id === step.id);
        if (known) updatePlanStep(doc, step.id!, { title: step.title, status: step.status }, Origin.agent);
        else addPlanStep(doc, { id: `p_${Math.random().toString(36).slice(2, 10)}`, title: step.title, status: step.status }, Origin.agent);
      }
      return readPlan(doc);
    });
  }

  notice(level: SystemNoticeEntry['level'], text: string): Promise<void> {
    return this.deps.change((doc) => appendTranscriptEntry(doc, { kind: 'system-notice', id: noticeId(), level, text, createdAt: Date.now() }, Origin.agent));
  }

  /** The agent's state, and the session status it implies where the doc says otherwise. */
  writeState(state: AgentState, status: SessionStatus): Promise<void> {
    // A plain JSON copy: the doc stores no `undefined` fields.
    const snapshot = JSON.parse(JSON.stringify(state)) as AgentState;
    return this.deps.change((doc) => {
      writeAgentState(doc, snapshot, Origin.agent);
      if (readMeta(doc).status !== status) writeMeta(doc, { status }, Origin.agent);
    });
  }
}
