/* Over 350 lines as it came to this change (which added 4): one run's loop, steering and tool calls share its state; splitting it into decisions, executor and adapters is issue 18's renovation. */
import type Anthropic from '@anthropic-ai/sdk';
import type { MessageParam } from '@anthropic-ai/sdk/resources/messages/messages';
import type * as Y from 'yjs';
import {
  addPlanStep,
  appendAssistantDelta,
  appendAssistantText,
  appendLiveToolOutput,
  appendTranscriptEntry,
  clearLiveToolOutput,
  appendUserMessage,
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
import { estimateCostUsd } from '../model/pricing.js';
import { decideRetry, type RetryPolicy } from '../model/retry-policy.js';
import { streamTurn, type TurnBlock, type TurnResult } from '../model/stream-turn.js';
import { createTextBatcher, type TextBatcher } from '../model/text-batcher.js';
import type { Sandbox } from '../sandbox/provider.js';
import { compactConversation, DEFAULT_CONTEXT_BUDGET } from './context-compaction.js';
import { Conversation, toolResult, type PersonMessage } from './conversation.js';
import { conversationFromTranscript, cutToolCallIds, describePlan } from './conversation-history.js';
import { findMessageRuleViolation } from './message-rules.js';
import { buildSystemPrompt } from './system-prompt.js';
import { capText, type AgentTool, type FileAccess } from './tools/tool.js';
import { AGENT_TOOLS, runToolCall, toolDefinitions } from './tools/index.js';
import { decideAfterTurn, decideBudget, finishMessage, requestMaxTokens, sessionStatusFor, type RunBudget } from './agent-decisions.js';

export type { RunBudget } from './agent-decisions.js';
export { sessionStatusFor } from './agent-decisions.js';

/** A running tool's output reaches its card at most this often (a few updates a second, as token streams do). */
export const DEFAULT_LIVE_OUTPUT_FLUSH_INTERVAL_MS = 250;

/** Cut tool outputs of earlier runs whose whole text is read back from the store (the newest; older ones are excerpted anyway). */
export const MAX_WHOLE_OUTPUTS_READ_FOR_HISTORY = 10;

export interface AgentRunDeps {
  sessionId: string;
  runId: string;
  client: Anthropic;
  model: string;
  budget: RunBudget;
  retry: RetryPolicy;
  /** The session's sandbox and how the agent reads and writes its files. */
  workspace: () => Promise<{ sandbox: Sandbox; files: FileAccess; redact?: (text: string) => string }>;
  /** Applies a change to the session doc (and persists it). */
  change: <T>(apply: (doc: Y.Doc) => T) => Promise<T>;
  textFlushIntervalMs?: number;
  /** How often a running tool's new output is written to its card. */
  liveOutputFlushIntervalMs?: number;
  /** A model stream quiet this long is cut and retried. */
  streamIdleTimeoutMs?: number;
  /** The session's redactor: applied to every model request (the doc and the store have their own gate). */
  redact?: (text: string) => string;
  /** Keeps a tool call's whole output in the store (the doc holds a capped copy). */
  storeToolOutput?: (toolUseId: string, output: string) => Promise<void>;
  /** Reads a tool call's whole output back from the store, to remember earlier runs as the model saw them. */
  readToolOutput?: (toolUseId: string) => Promise<string | undefined>;
  /** Keeps the session list's status in step with the run. */
  recordStatus?: (status: SessionStatus) => Promise<void>;
  /** The tools this run may call (a blueprint's read-only `ask` gives a subset); all of them by default. */
  tools?: readonly AgentTool[];
  logger: { error(message: string, error?: unknown): void };
}

/** How a run ended, for whoever started it (a blueprint's agent node passes on `done`). */
export interface AgentRunOutcome {
  state: 'done' | 'failed' | 'stopped';
  message: string;
}

/** Ends the run with a message for everyone (budget spent, model unreachable, sandbox gone). */
class RunEnded extends Error {
  constructor(
    readonly state: 'done' | 'failed' | 'stopped',
    message: string,
  ) {
    super(message);
  }
}

const noticeId = () => `n_${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

function queuedToPerson(message: QueuedMessage): PersonMessage {
  return { id: message.id, authorId: message.authorId, authorName: message.authorName, text: message.text, delivery: message.delivery };
}

/**
 * One agent run: streams turns from the model, runs the tools it asks for in the session's sandbox,
 * and writes everything to the doc as it happens. Steering: `steer` messages (in the doc's queue) are
 * delivered at the next tool boundary, `queue` messages after the turn ends, `interrupt()` cuts the
 * current stream or tool at once, `stop()` ends the run.
 */
export class AgentRun {
  private conversation = new Conversation();
  /** Whether this run has told everyone it compacted the conversation (said once per run). */
  private compactionNoticed = false;
  private readonly seen = new Map<string, string>();
  private readonly runAbort = new AbortController();
  private turnAbort = new AbortController();
  private readonly interrupts: PersonMessage[] = [];
  private stoppedBy: string | null = null;
  /** Set in the same synchronous step that finds the queue empty, so no message slips in after. */
  private finished = false;
  private state: AgentState;
  /** The session status this run last recorded in the store; the doc's status only mirrors it. */
  private recordedStatus: SessionStatus | null = null;
  private readonly done: Promise<void>;
  private ended: AgentRunOutcome | undefined;

  constructor(
    private readonly deps: AgentRunDeps,
    first: PersonMessage,
  ) {
    this.state = {
      state: 'running',
      runId: deps.runId,
      startedBy: first.authorName,
      model: deps.model,
      turns: 0,
      maxTurns: deps.budget.maxTurns,
      inputTokens: 0,
      outputTokens: 0,
      maxOutputTokens: deps.budget.maxOutputTokens,
      costUsd: 0,
    };
    this.done = this.execute(first);
  }

  get isFinished(): boolean {
    return this.finished;
  }

  /** Resolves when the run has ended, however it ended. */
  whenDone(): Promise<void> {
    return this.done;
  }

  /** How the run ended, once it has. */
  async outcome(): Promise<AgentRunOutcome> {
    await this.done;
    return this.ended ?? { state: 'failed', message: 'The run ended without saying how.' };
  }

  private get tools(): readonly AgentTool[] {
    return this.deps.tools ?? AGENT_TOOLS;
  }

  /** Cuts the current stream or tool call now; the message is delivered next. */
  interrupt(message: PersonMessage): void {
    this.interrupts.push(message);
    this.turnAbort.abort();
  }

  stop(byName: string): void {
    this.stoppedBy ??= byName;
    this.runAbort.abort();
    this.turnAbort.abort();
    void this.writeState({ state: 'stopping', message: `${byName} asked the agent to stop` });
  }

  private async execute(first: PersonMessage): Promise<void> {
    try {
      // The session so far, read in the same step that adds this run's first message.
      const { earlier, plan } = await this.deps.change((doc) => {
        const before = { earlier: readTranscript(doc), plan: readPlan(doc) };
        appendUserMessage(doc, { ...first, createdAt: Date.now() }, Origin.agent);
        return before;
      });
      await this.writeState({});
      this.conversation = new Conversation(conversationFromTranscript(earlier, await this.readWholeOutputs(earlier)));
      const workspace = await this.deps.workspace();
      const system = await buildSystemPrompt(workspace.sandbox, this.runAbort.signal);
      const planText = describePlan(plan);
      if (planText) this.conversation.addUser([{ type: 'text', text: planText }]);
      this.conversation.addPeople([first]);
      await this.loop(workspace, system);
    } catch (error) {
      const ended =
        error instanceof RunEnded
          ? error
          : new RunEnded('failed', `The run failed: ${error instanceof Error ? error.message : String(error)}`);
      if (!(error instanceof RunEnded)) this.deps.logger.error(`agent run ${this.deps.runId} failed`, error);
      await this.finish(ended.state, ended.message);
    }
  }

  /** The store's whole output of the newest earlier tool calls whose transcript copy was cut. */
  private async readWholeOutputs(earlier: TranscriptEntry[]): Promise<Map<string, string>> {
    const whole = new Map<string, string>();
    const read = this.deps.readToolOutput;
    if (!read) return whole;
    const ids = cutToolCallIds(earlier).slice(0, MAX_WHOLE_OUTPUTS_READ_FOR_HISTORY);
    const outputs = await Promise.all(
      ids.map((id) =>
        read(id).catch((error: unknown) => {
          // The transcript's capped copy stands in.
          this.deps.logger.error('could not read a stored tool output', error);
          return undefined;
        }),
      ),
    );
    ids.forEach((id, index) => {
      const output = outputs[index];
      if (output !== undefined) whole.set(id, output);
    });
    return whole;
  }

  /** The conversation as this request sends it: compacted to the context budget, checked against the API's rules. */
  private async requestMessages(): Promise<MessageParam[]> {
    const compaction = compactConversation(this.conversation.messages, { ...DEFAULT_CONTEXT_BUDGET, maxTokens: this.deps.budget.maxContextTokens });
    const violation = findMessageRuleViolation(compaction.messages);
    if (violation) {
      this.deps.logger.error(`agent run ${this.deps.runId}: the conversation breaks the Messages API rules: ${violation}`);
      throw new RunEnded('failed', `The run stopped: Tandem built a conversation the model API would refuse (${violation}). Please report this; starting a new session works around it.`);
    }
    if (!this.compactionNoticed && (compaction.droppedMessages > 0 || compaction.summarisedToolTexts > 0)) {
      this.compactionNoticed = true;
      const parts = [
        compaction.summarisedToolTexts > 0 ? `${compaction.summarisedToolTexts} older tool output${compaction.summarisedToolTexts === 1 ? '' : 's'} cut to excerpts` : '',
        compaction.droppedMessages > 0 ? `the ${compaction.droppedMessages} oldest messages left out` : '',
      ].filter(Boolean);
      await this.notice('info', `The conversation was compacted to fit the agent's context (about ${this.deps.budget.maxContextTokens} tokens): ${parts.join(', ')}.`);
    }
    return compaction.messages;
  }

  private async loop(workspace: { sandbox: Sandbox; files: FileAccess }, system: string): Promise<void> {
    for (;;) {
      this.throwIfStopped();
      this.checkBudget();
      this.turnAbort = new AbortController();
      // Interrupts that arrived between turns (nothing to cut) are simply delivered now.
      this.conversation.addPeople(this.interrupts.splice(0));
      this.state.turns += 1;
      await this.writeState({ state: 'running', message: undefined });
      const turn = await this.requestTurn(system, await this.requestMessages());
      this.conversation.addAssistant(turn.blocks);
      const toolUses = turn.blocks.filter((block): block is Extract<TurnBlock, { type: 'tool_use' }> => block.type === 'tool_use');
      if (this.runAbort.signal.aborted) {
        await this.markNotRun(toolUses.map((toolUse) => toolUse.id), `Not run: ${this.stoppedBy ?? 'someone'} stopped the run.`);
        this.throwIfStopped();
      }

      const after = decideAfterTurn({ aborted: turn.aborted, toolUseCount: toolUses.length });
      if (after.kind === 'close-interrupted') {
        await this.closeInterruptedTurn(toolUses.map((toolUse) => toolUse.id));
        continue;
      }
      if (after.kind === 'run-tools') {
        const results = [];
        for (const [index, toolUse] of toolUses.entries()) {
          if (this.turnAbort.signal.aborted) {
            await this.closeInterruptedTurn(toolUses.slice(index).map((rest) => rest.id), results);
            break;
          }
          results.push(await this.runTool(workspace, toolUse));
        }
        if (this.turnAbort.signal.aborted) {
          if (results.length === toolUses.length) await this.closeInterruptedTurn([], results);
          continue;
        }
        // The tool boundary: steering messages join the tool results in the next user turn.
        const steers = await this.takeFromQueue((message) => message.delivery === 'steer', false);
        this.conversation.addUser(results);
        this.conversation.addPeople(steers);
        continue;
      }
      // The turn ended: deliver what people steered or queued meanwhile, or finish.
      const next = await this.takeFromQueue(undefined, true);
      if (next.length === 0) {
        await this.finish('done', finishMessage(turn.stopReason));
        return;
      }
      this.conversation.addPeople(next);
    }
  }

  /**
   * Takes steering messages, plus (at the end of a turn) the first queued one, in queue order and
   * writes them to the transcript where the agent receives them. With `finishIfEmpty`, an empty queue
   * ends the run in the same step, so a message sent at that moment starts a new run instead.
   */
  private async takeFromQueue(pick: ((message: QueuedMessage) => boolean) | undefined, finishIfEmpty: boolean): Promise<PersonMessage[]> {
    return this.deps.change((doc) => {
      let tookQueued = false;
      const taken = takeQueuedMessages(
        doc,
        pick ??
          ((message) => {
            if (message.delivery === 'steer') return true;
            if (tookQueued) return false;
            tookQueued = true;
            return true;
          }),
        Origin.agent,
      );
      for (const message of taken) appendUserMessage(doc, { ...message, createdAt: Date.now() }, Origin.agent);
      const delivered = taken.map(queuedToPerson);
      if (finishIfEmpty) {
        // An interrupt that came after the stream ended has nothing to cut: it is delivered like a follow-up.
        delivered.push(...this.interrupts.splice(0));
        if (delivered.length === 0) this.finished = true;
      }
      return delivered;
    });
  }

  /** Answers every dangling tool call with a result that says who interrupted, then delivers the interrupts. */
  private async closeInterruptedTurn(danglingIds: string[], earlierResults: ReturnType<typeof toolResult>[] = []): Promise<void> {
    const messages = this.interrupts.splice(0);
    const names = [...new Set(messages.map((message) => message.authorName))].join(', ') || 'someone';
    const results = [...earlierResults, ...danglingIds.map((id) => toolResult(id, `Interrupted by ${names} before this tool call ran.`, true))];
    await this.markNotRun(danglingIds, `Not run: interrupted by ${names}.`);
    this.conversation.addUser(results);
    this.conversation.addPeople(messages);
  }

  private async markNotRun(toolUseIds: string[], output: string): Promise<void> {
    if (toolUseIds.length === 0) return;
    await this.deps.change((doc) => {
      for (const id of toolUseIds) updateToolCall(doc, id, { status: 'error', output }, Origin.agent);
    });
  }

  /** One model turn, retried on transient failures within the budget; each retry is shown in the transcript. */
  private async requestTurn(system: string, messages: MessageParam[]): Promise<TurnResult> {
    for (let attempt = 1; ; attempt += 1) {
      const signal = this.turnAbort.signal;
      const written = new Set<string>();
      const batchers = new Map<number, { entryId: string; batcher: TextBatcher }>();
      try {
        const turn = await streamTurn(
          this.deps.client,
          {
            model: this.deps.model,
            max_tokens: requestMaxTokens(this.deps.budget, this.state.outputTokens),
            system,
            tools: toolDefinitions(this.tools),
            messages,
          },
          this.streamHandlers(batchers, written),
          signal,
          { idleTimeoutMs: this.deps.streamIdleTimeoutMs, redact: this.deps.redact },
        );
        await this.finishTextEntries(batchers);
        this.state.inputTokens += turn.inputTokens;
        this.state.outputTokens += turn.outputTokens;
        this.state.costUsd = estimateCostUsd(this.deps.model, this.state.inputTokens, this.state.outputTokens);
        await this.writeState({});
        return turn;
      } catch (error) {
        await this.finishTextEntries(batchers);
        if (signal.aborted) {
          // Interrupted or stopped while the request was being set up: nothing usable arrived.
          return { blocks: [], stopReason: null, inputTokens: 0, outputTokens: 0, aborted: true };
        }
        const decision = decideRetry(error, attempt, this.deps.retry);
        // A failed attempt's partial reply is discarded; the retry streams a fresh one.
        await this.deps.change((doc) => {
          for (const entryId of written) removeTranscriptEntry(doc, entryId, Origin.agent);
        });
        if (decision.kind === 'give-up') throw new RunEnded('failed', `The run stopped: ${decision.reason}.`);
        const seconds = (decision.delayMs / 1000).toFixed(1);
        await this.notice('warning', `Model request failed: ${decision.reason}. Retrying in ${seconds} s (retry ${attempt} of ${this.deps.retry.budget}).`);
        await this.writeState({ state: 'retrying', message: `${decision.reason}; retry ${attempt} of ${this.deps.retry.budget}` });
        await sleep(decision.delayMs, signal);
        if (signal.aborted) return { blocks: [], stopReason: null, inputTokens: 0, outputTokens: 0, aborted: true };
        await this.writeState({ state: 'running', message: undefined });
      }
    }
  }

  private streamHandlers(batchers: Map<number, { entryId: string; batcher: TextBatcher }>, written: Set<string>) {
    const { runId } = this.deps;
    const turnNumber = this.state.turns;
    return {
      onTextStart: (blockIndex: number) => {
        const entryId = `${runId}_${turnNumber}_${blockIndex}`;
        written.add(entryId);
        void this.deps.change((doc) => appendAssistantText(doc, { id: entryId, runId, turn: turnNumber, createdAt: Date.now() }, Origin.agent));
        const batcher = createTextBatcher(
          (text) => this.deps.change((doc) => void appendAssistantDelta(doc, entryId, text, Origin.agent)),
          this.deps.textFlushIntervalMs,
        );
        batchers.set(blockIndex, { entryId, batcher });
      },
      onTextDelta: (blockIndex: number, text: string) => batchers.get(blockIndex)?.batcher.push(text),
      onToolUseStart: (_blockIndex: number, toolUse: { id: string; name: string }) => {
        written.add(toolUse.id);
        void this.deps.change((doc) =>
          appendTranscriptEntry(
            doc,
            { kind: 'tool-call', id: toolUse.id, runId, turn: turnNumber, name: toolUse.name, input: '', status: 'pending', createdAt: Date.now() },
            Origin.agent,
          ),
        );
      },
      onToolUseComplete: (_blockIndex: number, toolUse: { id: string; inputJson: string }) => {
        const input = capText(toolUse.inputJson, MAX_TOOL_INPUT_DOC_CHARS).text;
        void this.deps.change((doc) => updateToolCall(doc, toolUse.id, { input }, Origin.agent));
      },
    };
  }

  private async finishTextEntries(batchers: Map<number, { entryId: string; batcher: TextBatcher }>): Promise<void> {
    for (const { entryId, batcher } of batchers.values()) {
      await batcher.flush();
      await this.deps.change((doc) => finishAssistantText(doc, entryId, Origin.agent));
    }
    batchers.clear();
  }

  private async runTool(
    { sandbox, files, redact }: { sandbox: Sandbox; files: FileAccess; redact?: (text: string) => string },
    toolUse: Extract<TurnBlock, { type: 'tool_use' }>,
  ) {
    const startedMs = Date.now();
    await this.deps.change((doc) => updateToolCall(doc, toolUse.id, { status: 'running', startedAt: startedMs }, Origin.agent));
    const signal = this.turnAbort.signal;
    // A long command's output shows in its card as it arrives, a few updates a second, its tail capped as the final output is.
    let running = true;
    const live = createTextBatcher(
      (text) => this.deps.change((doc) => void appendLiveToolOutput(doc, toolUse.id, text, MAX_TOOL_OUTPUT_DOC_CHARS, Origin.agent)),
      this.deps.liveOutputFlushIntervalMs ?? DEFAULT_LIVE_OUTPUT_FLUSH_INTERVAL_MS,
    );
    const onOutput = (text: string) => {
      if (running) live.push(text);
    };
    let result;
    try {
      result = await runToolCall(toolUse.name, toolUse.input, { sandbox, files, seen: this.seen, signal, updatePlan: (steps) => this.updatePlan(steps), onOutput }, this.tools);
    } catch (error) {
      if (!signal.aborted) throw error;
      result = { output: '', isError: true };
    } finally {
      running = false;
      await live.flush();
    }
    if (signal.aborted) {
      const names = [...new Set(this.interrupts.map((message) => message.authorName))].join(', ') || this.stoppedBy || 'someone';
      result = { output: `Interrupted by ${names} while ${toolUse.name} was running.`, isError: true };
    }
    // Redacted here, before the doc's copy is capped: a cap through the middle of a value would leave a
    // piece no later gate (the doc's, the store's, the model request's) recognises.
    if (redact) result = { ...result, output: redact(result.output), fullOutput: result.fullOutput === undefined ? undefined : redact(result.fullOutput) };
    const shown = capText(result.output, MAX_TOOL_OUTPUT_DOC_CHARS);
    const whole = result.fullOutput ?? result.output;
    if (shown.truncated || result.fullOutput) {
      await this.deps.storeToolOutput?.(toolUse.id, whole).catch((error: unknown) => this.deps.logger.error('could not store a tool output', error));
    }
    await this.deps.change((doc) => {
      updateToolCall(
        doc,
        toolUse.id,
        {
          status: result.isError ? 'error' : 'done',
          durationMs: Date.now() - startedMs,
          output: shown.text,
          outputTruncated: shown.truncated || result.fullOutput !== undefined,
          files: result.files,
        },
        Origin.agent,
      );
      clearLiveToolOutput(doc, toolUse.id, Origin.agent);
    });
    return toolResult(toolUse.id, result.output || '(no output)', result.isError);
  }

  private updatePlan(steps: Array<{ id?: string; title: string; status: PlanStep['status'] }>): Promise<PlanStep[]> {
    return this.deps.change((doc) => {
      for (const step of steps) {
        const known = step.id !== undefined && readPlan(doc).some((existing) => existing.id === step.id);
        if (known) updatePlanStep(doc, step.id!, { title: step.title, status: step.status }, Origin.agent);
        else addPlanStep(doc, { id: `p_${Math.random().toString(36).slice(2, 10)}`, title: step.title, status: step.status }, Origin.agent);
      }
      return readPlan(doc);
    });
  }

  private checkBudget(): void {
    const decision = decideBudget(this.state, this.deps.budget);
    if (decision.kind === 'stop') throw new RunEnded('stopped', decision.message);
  }

  private throwIfStopped(): void {
    if (this.runAbort.signal.aborted) throw new RunEnded('stopped', `${this.stoppedBy ?? 'Someone'} stopped the run.`);
  }

  private async finish(state: 'done' | 'failed' | 'stopped', message: string): Promise<void> {
    this.finished = true;
    this.ended = { state, message };
    await this.notice(state === 'failed' ? 'error' : 'info', message);
    await this.writeState({ state, message });
  }

  private async notice(level: SystemNoticeEntry['level'], text: string): Promise<void> {
    await this.deps.change((doc) =>
      appendTranscriptEntry(doc, { kind: 'system-notice', id: noticeId(), level, text, createdAt: Date.now() }, Origin.agent),
    );
  }

  private async writeState(patch: Partial<AgentState>): Promise<void> {
    this.state = { ...this.state, ...patch };
    // A plain JSON copy: the doc stores no `undefined` fields.
    const snapshot = JSON.parse(JSON.stringify(this.state)) as AgentState;
    const status = sessionStatusFor(snapshot.state);
    // Whether to record it is decided from what this run recorded, never from the doc.
    const changed = status !== this.recordedStatus;
    this.recordedStatus = status;
    await this.deps.change((doc) => {
      writeAgentState(doc, snapshot, Origin.agent);
      if (readMeta(doc).status !== status) writeMeta(doc, { status }, Origin.agent);
    });
    if (changed) await this.deps.recordStatus?.(status).catch((error: unknown) => this.deps.logger.error('could not record the session status', error));
  }
}
