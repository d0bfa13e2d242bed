import { randomBytes } from 'node:crypto';
import type Anthropic from '@anthropic-ai/sdk';
import type * as Y from 'yjs';
import {
  appendUserMessage,
  clearLiveToolOutput,
  enqueueMessage,
  readAgentState,
  readQueue,
  readTranscript,
  takeQueuedMessages,
  updateToolCall,
  writeAgentState,
  writeMeta,
} from '@tandem/shared/doc/accessors.js';
import { Origin, personOrigin } from '@tandem/shared/doc/origins.js';
import type { AgentState, DeliveryMode, SessionStatus } from '@tandem/shared/doc/schema.js';
import { ErrorCode } from '@tandem/shared/protocol/errors.js';
import type { AgentInfo, MessageOutcome } from '@tandem/shared/protocol/http.js';
import type { Identity } from '../auth/identity-token.js';
import { forbidden, HttpError, notFound } from '../http/http-error.js';
import { createModelClient, type ModelConfig } from '../model/model-client.js';
import { streamTurn } from '../model/stream-turn.js';
import type { RetryPolicy } from '../model/retry-policy.js';
import type { Sandbox } from '../sandbox/provider.js';
import type { DocHost } from '../sync/doc-host.js';
import { AgentRun, type AgentRunOutcome, type RunBudget } from './agent-run.js';
import { DEFAULT_MAX_CONTEXT_TOKENS } from './context-compaction.js';
import type { PersonMessage } from './conversation.js';
import type { AgentTool, FileAccess } from './tools/tool.js';

export const DEFAULT_RUN_BUDGET: RunBudget = { maxTurns: 40, maxOutputTokens: 200_000, maxTokensPerRequest: 16_384, maxContextTokens: DEFAULT_MAX_CONTEXT_TOKENS };

const ACTIVE_STATES: ReadonlySet<AgentState['state']> = new Set(['running', 'retrying', 'stopping']);
/** What a tool call still running when the server stopped says it ended with. */
export const SERVER_RESTARTED_TOOL_OUTPUT = '[not finished: the server restarted while this ran]';

export const AGENT_NOT_CONFIGURED_MESSAGE =
  'The agent is off: this server has no ANTHROPIC_API_KEY. Set it (and optionally ANTHROPIC_BASE_URL and TANDEM_MODEL) in the server’s environment and restart; the terminal, files and chat work without it.';

export interface AgentServiceDeps {
  docHost: DocHost;
  model: ModelConfig;
  budget: RunBudget;
  retry: RetryPolicy;
  /** The session's sandbox and file access, started if need be. */
  workspaceFor(sessionId: string, repo: string): Promise<{ sandbox: Sandbox; files: FileAccess; redact?: (text: string) => string }>;
  logger: { error(message: string, error?: unknown): void };
  textFlushIntervalMs?: number;
  streamIdleTimeoutMs?: number;
  /** Takes a session's secret values out of text bound for the model. */
  redact?: (sessionId: string, text: string) => string;
  recordStatus?: (sessionId: string, status: SessionStatus) => Promise<void>;
  storeToolOutput?: (sessionId: string, toolUseId: string, output: string) => Promise<void>;
  readToolOutput?: (sessionId: string, toolUseId: string) => Promise<string | undefined>;
}

const newId = (prefix: string) => `${prefix}_${randomBytes(9).toString('base64url')}`;

/** Starts, steers and stops agent runs: at most one run per session on this server. */
export function createAgentService(deps: AgentServiceDeps) {
  const client: Anthropic | null = deps.model.apiKey ? createModelClient({ ...deps.model, apiKey: deps.model.apiKey }) : null;
  const runs = new Map<string, AgentRun>();
  /** Sessions whose blueprint run is between agent nodes: a message waits in the queue for the next one. */
  const held = new Set<string>();
  const change = <T>(sessionId: string, apply: (doc: Y.Doc) => T) => deps.docHost.change(sessionId, apply);
  // The run writes many small updates (tokens, tool status); they persist in order in the background.
  const applyLive = <T>(sessionId: string, apply: (doc: Y.Doc) => T) => deps.docHost.apply(sessionId, apply);

  function activeRun(sessionId: string): AgentRun | undefined {
    const run = runs.get(sessionId);
    return run && !run.isFinished ? run : undefined;
  }

  function startRun(session: { id: string; repo: string }, first: PersonMessage, options: { tools?: readonly AgentTool[]; budget?: Partial<RunBudget> } = {}): AgentRun {
    if (!client) throw new HttpError(503, ErrorCode.AgentUnavailable, AGENT_NOT_CONFIGURED_MESSAGE);
    const run = new AgentRun(
      {
        tools: options.tools,
        sessionId: session.id,
        runId: newId('r'),
        client,
        model: deps.model.model,
        budget: { ...deps.budget, ...options.budget },
        retry: deps.retry,
        workspace: () => deps.workspaceFor(session.id, session.repo),
        change: (apply) => applyLive(session.id, apply),
        textFlushIntervalMs: deps.textFlushIntervalMs,
        streamIdleTimeoutMs: deps.model.streamIdleTimeoutMs,
        redact: deps.redact && ((text) => deps.redact!(session.id, text)),
        recordStatus: deps.recordStatus && ((status) => deps.recordStatus!(session.id, status)),
        storeToolOutput: deps.storeToolOutput && ((toolUseId, output) => deps.storeToolOutput!(session.id, toolUseId, output)),
        readToolOutput: deps.readToolOutput && ((toolUseId) => deps.readToolOutput!(session.id, toolUseId)),
        logger: deps.logger,
      },
      first,
    );
    runs.set(session.id, run);
    // Messages still queued when a run stops or fails stay visible and cancellable; the next run delivers them.
    void run.whenDone().then(() => {
      if (runs.get(session.id) === run) runs.delete(session.id);
    });
    return run;
  }

  return {
    /** One small request outside any run (a commit message's draft): its text, through the same SDK client. */
    async draft(sessionId: string, request: { system: string; prompt: string; maxOutputTokens: number; signal: AbortSignal }): Promise<string> {
      if (!client) throw new HttpError(503, ErrorCode.AgentUnavailable, AGENT_NOT_CONFIGURED_MESSAGE);
      const turn = await streamTurn(
        client,
        { model: deps.model.model, max_tokens: request.maxOutputTokens, system: request.system, messages: [{ role: 'user', content: request.prompt }] },
        {},
        request.signal,
        { idleTimeoutMs: deps.model.streamIdleTimeoutMs, redact: deps.redact && ((text) => deps.redact!(sessionId, text)) },
      );
      return turn.blocks.map((block) => (block.type === 'text' ? block.text : '')).join('');
    },

    info(): AgentInfo {
      return { configured: client !== null, model: deps.model.model, maxTurns: deps.budget.maxTurns, maxOutputTokens: deps.budget.maxOutputTokens };
    },

    /**
     * A person's message to the agent. With no run going it starts one; otherwise `steer` and `queue`
     * wait in the doc's queue for their delivery point and `interrupt` cuts the run now.
     */
    async send(session: { id: string; repo: string }, identity: Identity, text: string, delivery: Exclude<DeliveryMode, 'chat'>): Promise<{ entryId: string; outcome: MessageOutcome }> {
      if (!client) throw new HttpError(503, ErrorCode.AgentUnavailable, AGENT_NOT_CONFIGURED_MESSAGE);
      const message: PersonMessage = { id: newId('m'), authorId: identity.id, authorName: identity.name, text, delivery };
      // Decided and written in one synchronous step, so a run that is just finishing cannot miss it.
      const outcome = await change(session.id, (doc): MessageOutcome => {
        const run = activeRun(session.id);
        if (!run && !held.has(session.id)) return 'started';
        if (!run) {
          // A blueprint runs a deterministic step now: the message waits for its next agent node.
          enqueueMessage(doc, { id: message.id, authorId: identity.id, authorName: identity.name, text, delivery: 'queue', createdAt: Date.now() }, personOrigin(identity));
          return 'queued';
        }
        if (delivery === 'interrupt') {
          appendUserMessage(doc, { ...message, createdAt: Date.now() }, personOrigin(identity));
          run.interrupt(message);
          return 'interrupted';
        }
        enqueueMessage(
          doc,
          { id: message.id, authorId: identity.id, authorName: identity.name, text, delivery: delivery === 'steer' ? 'steer' : 'queue', createdAt: Date.now() },
          personOrigin(identity),
        );
        return 'queued';
      });
      if (outcome === 'started') startRun(session, { ...message, delivery: 'prompt' });
      return { entryId: message.id, outcome };
    },

    /**
     * A blueprint's agent node: a run with the node's goal as its first message (attributed to whoever
     * it names), its tool subset and budget. It is the session's active run, so steering reaches it.
     */
    async runNode(session: { id: string; repo: string }, first: PersonMessage, options: { tools?: readonly AgentTool[]; budget?: Partial<RunBudget> }): Promise<AgentRunOutcome> {
      if (activeRun(session.id)) return { state: 'failed', message: 'Another agent run is going in this session; stop it first.' };
      return startRun(session, first, options).outcome();
    },

    /** While a blueprint runs, messages with no agent run to reach wait in the queue instead of starting one. */
    hold(sessionId: string): void {
      held.add(sessionId);
    },
    release(sessionId: string): void {
      held.delete(sessionId);
    },

    /** Whether an agent run is going in the session (the blueprint engine waits for none). */
    isRunning(sessionId: string): boolean {
      return activeRun(sessionId) !== undefined;
    },

    async stop(sessionId: string, identity: Identity): Promise<boolean> {
      const run = activeRun(sessionId);
      if (!run) return false;
      run.stop(identity.name);
      await run.whenDone();
      return true;
    },

    /** Takes a queued message back: its author or the owner may. */
    async cancelQueued(sessionId: string, identity: Identity, isOwner: boolean, messageId: string): Promise<void> {
      await change(sessionId, (doc) => {
        const message = readQueue(doc).find((item) => item.id === messageId);
        if (!message) throw notFound('Queued message (it may have been delivered already)');
        if (message.authorId !== identity.id && !isOwner) throw forbidden('Only its author or the session owner can cancel a queued message');
        takeQueuedMessages(doc, (item) => item.id === messageId, personOrigin(identity));
      });
    },

    /** A doc that says a run is going when none is (the server restarted mid-run) is set right. */
    async reconcile(sessionId: string): Promise<void> {
      if (activeRun(sessionId)) return;
      await change(sessionId, (doc) => {
        const state = readAgentState(doc);
        if (state && ACTIVE_STATES.has(state.state) && !activeRun(sessionId)) {
          writeAgentState(doc, { ...state, state: 'stopped', message: 'The server restarted during this run. Send a message to start again.' }, Origin.agent);
          writeMeta(doc, { status: 'stopped' }, Origin.agent);
          // Its unfinished tool calls end too, keeping what they had printed, so no card ticks on forever.
          for (const entry of readTranscript(doc)) {
            if (entry.kind !== 'tool-call' || (entry.status !== 'running' && entry.status !== 'pending')) continue;
            const printed = entry.liveOutput ? `${entry.liveOutput}${entry.liveOutput.endsWith('\n') ? '' : '\n'}` : '';
            updateToolCall(doc, entry.id, { status: 'error', output: `${printed}${SERVER_RESTARTED_TOOL_OUTPUT}` }, Origin.agent);
            clearLiveToolOutput(doc, entry.id, Origin.agent);
          }
        }
      });
    },

    /** Server shutdown: stops every run and waits for it to write its end. */
    async close(): Promise<void> {
      const active = [...runs.values()];
      for (const run of active) run.stop('The server');
      await Promise.allSettled(active.map((run) => run.whenDone()));
    },
  };
}
export type AgentService = ReturnType<typeof createAgentService>;
