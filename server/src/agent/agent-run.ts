/* Just over 350 lines: the model loop alone (steering, the transcript writer and history have files of their own since issue 18); its turn, tool and budget steps read best together. */
import type Anthropic from '@anthropic-ai/sdk';
import type { MessageParam } from '@anthropic-ai/sdk/resources/messages/messages';
import type * as Y from 'yjs';
import type { AgentState, SessionStatus } from '@tandem/shared/doc/schema.js';
import { estimateCostUsd } from '../model/pricing.js';
import { decideRetry, type RetryPolicy } from '../model/retry-policy.js';
import { streamTurn, type TurnBlock, type TurnResult } from '../model/stream-turn.js';
import { createTextBatcher } from '../model/text-batcher.js';
import type { Sandbox } from '../sandbox/provider.js';
import { compactConversation, DEFAULT_CONTEXT_BUDGET } from './context-compaction.js';
import { Conversation, toolResult, type PersonMessage } from './conversation.js';
import { conversationFromTranscript, describePlan, readWholeOutputs } from './conversation-history.js';
import { findMessageRuleViolation } from './message-rules.js';
import { Steering } from './steering.js';
import { buildSystemPrompt } from './system-prompt.js';
import type { AgentTool, FileAccess } from './tools/tool.js';
import { AGENT_TOOLS, runToolCall, toolDefinitions } from './tools/index.js';
import { TranscriptWriter } from './transcript-writer.js';
import { decideAfterTurn, decideBudget, finishMessage, requestMaxTokens, sessionStatusFor, type RunBudget } from './agent-decisions.js';

export type { RunBudget } from './agent-decisions.js';
export { sessionStatusFor } from './agent-decisions.js';

/** A running tool's output reaches its card at most this often (a few updates a second, as token streams do). */
export const DEFAULT_LIVE_OUTPUT_FLUSH_INTERVAL_MS = 250;

export { MAX_WHOLE_OUTPUTS_READ_FOR_HISTORY } from './conversation-history.js';

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
  /** Who stopped the run, when a person did (not set when its budget stopped it). */
  stoppedBy?: string;
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

/**
 * One agent run: the model loop. Streams turns from the model and runs the tools it asks for in the
 * session's sandbox; what people say reaches it through `Steering` (steer at the next tool boundary,
 * queue after the turn, interrupt now, stop), and everything it shows goes through its
 * `TranscriptWriter`.
 */
export class AgentRun {
  private conversation = new Conversation();
  /** Whether this run has told everyone it compacted the conversation (said once per run). */
  private compactionNoticed = false;
  private readonly seen = new Map<string, string>();
  private readonly writer: TranscriptWriter;
  private readonly steering: Steering;
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
    this.writer = new TranscriptWriter(deps);
    this.steering = new Steering(this.writer);
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
    this.steering.interrupt(message);
  }

  stop(byName: string): void {
    this.steering.stop(byName);
    void this.writeState({ state: 'stopping', message: `${byName} asked the agent to stop` });
  }

  private async execute(first: PersonMessage): Promise<void> {
    try {
      // The session so far, read in the same step that adds this run's first message.
      const { earlier, plan } = await this.writer.open(first);
      await this.writeState({});
      this.conversation = new Conversation(conversationFromTranscript(earlier, await readWholeOutputs(earlier, this.deps.readToolOutput, this.deps.logger)));
      const workspace = await this.deps.workspace();
      const system = await buildSystemPrompt(workspace.sandbox, this.steering.runSignal);
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
      await this.writer.notice('info', `The conversation was compacted to fit the agent's context (about ${this.deps.budget.maxContextTokens} tokens): ${parts.join(', ')}.`);
    }
    return compaction.messages;
  }

  private async loop(workspace: { sandbox: Sandbox; files: FileAccess }, system: string): Promise<void> {
    for (;;) {
      this.throwIfStopped();
      this.checkBudget();
      this.steering.startTurn();
      // Interrupts that arrived between turns (nothing to cut) are simply delivered now.
      this.conversation.addPeople(this.steering.takeInterrupts());
      this.state.turns += 1;
      await this.writeState({ state: 'running', message: undefined });
      const turn = await this.requestTurn(system, await this.requestMessages());
      this.conversation.addAssistant(turn.blocks);
      const toolUses = turn.blocks.filter((block): block is Extract<TurnBlock, { type: 'tool_use' }> => block.type === 'tool_use');
      if (this.steering.runSignal.aborted) {
        await this.writer.markNotRun(toolUses.map((toolUse) => toolUse.id), `Not run: ${this.steering.stoppedBy ?? 'someone'} stopped the run.`);
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
          if (this.steering.turnSignal.aborted) {
            await this.closeInterruptedTurn(toolUses.slice(index).map((rest) => rest.id), results);
            break;
          }
          results.push(await this.runTool(workspace, toolUse));
        }
        if (this.steering.turnSignal.aborted) {
          if (results.length === toolUses.length) await this.closeInterruptedTurn([], results);
          continue;
        }
        // The tool boundary: steering messages join the tool results in the next user turn.
        const steers = await this.steering.takeSteers();
        this.conversation.addUser(results);
        this.conversation.addPeople(steers);
        continue;
      }
      // The turn ended: deliver what people steered or queued meanwhile, or finish.
      const next = await this.steering.takeNext(() => (this.finished = true));
      if (next.length === 0) {
        await this.finish('done', finishMessage(turn.stopReason));
        return;
      }
      this.conversation.addPeople(next);
    }
  }

  /** Answers every dangling tool call with a result that says who interrupted, then delivers the interrupts. */
  private async closeInterruptedTurn(danglingIds: string[], earlierResults: ReturnType<typeof toolResult>[] = []): Promise<void> {
    const messages = this.steering.takeInterrupts();
    const names = [...new Set(messages.map((message) => message.authorName))].join(', ') || 'someone';
    const results = [...earlierResults, ...danglingIds.map((id) => toolResult(id, `Interrupted by ${names} before this tool call ran.`, true))];
    await this.writer.markNotRun(danglingIds, `Not run: interrupted by ${names}.`);
    this.conversation.addUser(results);
    this.conversation.addPeople(messages);
  }

  /** One model turn, retried on transient failures within the budget; each retry is shown in the transcript. */
  private async requestTurn(system: string, messages: MessageParam[]): Promise<TurnResult> {
    for (let attempt = 1; ; attempt += 1) {
      const signal = this.steering.turnSignal;
      const stream = this.writer.turnStream(this.deps.runId, this.state.turns, this.deps.textFlushIntervalMs);
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
          stream.handlers,
          signal,
          { idleTimeoutMs: this.deps.streamIdleTimeoutMs, redact: this.deps.redact },
        );
        await stream.finish();
        this.state.inputTokens += turn.inputTokens;
        this.state.outputTokens += turn.outputTokens;
        this.state.costUsd = estimateCostUsd(this.deps.model, this.state.inputTokens, this.state.outputTokens);
        await this.writeState({});
        return turn;
      } catch (error) {
        await stream.finish();
        if (signal.aborted) {
          // Interrupted or stopped while the request was being set up: nothing usable arrived.
          return { blocks: [], stopReason: null, inputTokens: 0, outputTokens: 0, aborted: true };
        }
        const decision = decideRetry(error, attempt, this.deps.retry);
        // A failed attempt's partial reply is discarded; the retry streams a fresh one.
        await this.writer.remove(stream.written);
        if (decision.kind === 'give-up') throw new RunEnded('failed', `The run stopped: ${decision.reason}.`);
        const seconds = (decision.delayMs / 1000).toFixed(1);
        await this.writer.notice('warning', `Model request failed: ${decision.reason}. Retrying in ${seconds} s (retry ${attempt} of ${this.deps.retry.budget}).`);
        await this.writeState({ state: 'retrying', message: `${decision.reason}; retry ${attempt} of ${this.deps.retry.budget}` });
        await sleep(decision.delayMs, signal);
        if (signal.aborted) return { blocks: [], stopReason: null, inputTokens: 0, outputTokens: 0, aborted: true };
        await this.writeState({ state: 'running', message: undefined });
      }
    }
  }

  private async runTool(
    { sandbox, files, redact }: { sandbox: Sandbox; files: FileAccess; redact?: (text: string) => string },
    toolUse: Extract<TurnBlock, { type: 'tool_use' }>,
  ) {
    const startedMs = Date.now();
    await this.writer.toolRunning(toolUse.id, startedMs);
    const signal = this.steering.turnSignal;
    // A long command's output shows in its card as it arrives, a few updates a second, its tail capped as the final output is.
    let running = true;
    const live = createTextBatcher((text) => this.writer.liveOutput(toolUse.id, text), this.deps.liveOutputFlushIntervalMs ?? DEFAULT_LIVE_OUTPUT_FLUSH_INTERVAL_MS);
    const onOutput = (text: string) => {
      if (running) live.push(text);
    };
    let result;
    try {
      result = await runToolCall(toolUse.name, toolUse.input, { sandbox, files, seen: this.seen, signal, updatePlan: (steps) => this.writer.updatePlan(steps), onOutput }, this.tools);
    } catch (error) {
      if (!signal.aborted) throw error;
      result = { output: '', isError: true };
    } finally {
      running = false;
      await live.flush();
    }
    if (signal.aborted) {
      result = { output: `Interrupted by ${this.steering.interrupterNames()} while ${toolUse.name} was running.`, isError: true };
    }
    result = await this.writer.finishToolCall(toolUse.id, result, startedMs, redact);
    return toolResult(toolUse.id, result.output || '(no output)', result.isError);
  }

  private checkBudget(): void {
    const decision = decideBudget(this.state, this.deps.budget);
    if (decision.kind === 'stop') throw new RunEnded('stopped', decision.message);
  }

  private throwIfStopped(): void {
    if (this.steering.runSignal.aborted) throw new RunEnded('stopped', `${this.steering.stoppedBy ?? 'Someone'} stopped the run.`);
  }

  private async finish(state: 'done' | 'failed' | 'stopped', message: string): Promise<void> {
    this.finished = true;
    const stoppedBy = state === 'stopped' ? this.steering.stoppedBy : null;
    this.ended = stoppedBy ? { state, message, stoppedBy } : { state, message };
    await this.writer.notice(state === 'failed' ? 'error' : 'info', message);
    await this.writeState({ state, message });
  }

  private async writeState(patch: Partial<AgentState>): Promise<void> {
    this.state = { ...this.state, ...patch };
    const status = sessionStatusFor(this.state.state);
    // Whether to record it is decided from what this run recorded, never from the doc.
    const changed = status !== this.recordedStatus;
    this.recordedStatus = status;
    await this.writer.writeState(this.state, status);
    if (changed) await this.deps.recordStatus?.(status).catch((error: unknown) => this.deps.logger.error('could not record the session status', error));
  }
}
