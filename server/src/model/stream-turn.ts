import type Anthropic from '@anthropic-ai/sdk';
import type { MessageCreateParamsNonStreaming, RawMessageStreamEvent, StopReason } from '@anthropic-ai/sdk/resources/messages/messages';
import { redactStrings } from '../secrets/redact-strings.js';

/** What the model said in one turn: text and tool calls, in order. */
export type TurnBlock =
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id: string; name: string; input: unknown; inputJson: string; complete: boolean };

export interface TurnResult {
  blocks: TurnBlock[];
  stopReason: StopReason | null;
  inputTokens: number;
  outputTokens: number;
  /** True when the stream was cut by the caller's signal (an interrupt or a stop). */
  aborted: boolean;
}

/** A stream that goes quiet this long is cut and counts as a failed (retryable) request. */
export const DEFAULT_STREAM_IDLE_TIMEOUT_MS = 90_000;

export class StreamIdleError extends Error {
  constructor(idleMs: number) {
    super(`the model stream sent nothing for ${Math.round(idleMs / 1000)} s`);
  }
}

export interface TurnHandlers {
  onTextStart?(blockIndex: number): void;
  onTextDelta?(blockIndex: number, text: string): void;
  onToolUseStart?(blockIndex: number, toolUse: { id: string; name: string }): void;
  onToolUseComplete?(blockIndex: number, toolUse: { id: string; name: string; inputJson: string }): void;
}

function parseToolInput(json: string): unknown {
  if (json.trim() === '') return {};
  try {
    return JSON.parse(json);
  } catch {
    // A tool call cut mid-stream by an interrupt: the model sees it closed with an empty input.
    return {};
  }
}

export interface TurnOptions {
  idleTimeoutMs?: number;
  /** Takes what must not leave the server (the session's secret values) out of every string of the request. */
  redact?: (text: string) => string;
}

/**
 * Streams one Messages API request through the real SDK and assembles its content blocks as they
 * arrive. An abort through `signal` ends the stream early and returns what had arrived. Every request
 * of the server goes through here, so `redact` is applied to all of it.
 */
export async function streamTurn(
  client: Anthropic,
  unredacted: MessageCreateParamsNonStreaming,
  handlers: TurnHandlers,
  signal: AbortSignal,
  { idleTimeoutMs = DEFAULT_STREAM_IDLE_TIMEOUT_MS, redact }: TurnOptions = {},
): Promise<TurnResult> {
  // Every string of it: system, messages, tool inputs and results.
  const request = redact ? redactStrings(unredacted, redact) : unredacted;
  const result: TurnResult = { blocks: [], stopReason: null, inputTokens: 0, outputTokens: 0, aborted: false };
  const idle = new AbortController();
  let idleTimer = setTimeout(() => idle.abort(), idleTimeoutMs);
  try {
    const stream = await client.messages.create({ ...request, stream: true }, { signal: AbortSignal.any([signal, idle.signal]) });
    for await (const event of stream) {
      clearTimeout(idleTimer);
      idleTimer = setTimeout(() => idle.abort(), idleTimeoutMs);
      applyEvent(result, event, handlers);
    }
  } catch (error) {
    if (idle.signal.aborted && !signal.aborted) throw new StreamIdleError(idleTimeoutMs);
    throw error;
  } finally {
    clearTimeout(idleTimer);
  }
  if (idle.signal.aborted && !signal.aborted) throw new StreamIdleError(idleTimeoutMs);
  result.aborted = signal.aborted;
  // Sparse when the model sent block types this loop does not use (thinking); keep the order.
  result.blocks = result.blocks.filter(Boolean);
  for (const block of result.blocks) {
    if (block.type === 'tool_use' && !block.complete) block.input = parseToolInput(block.inputJson);
  }
  return result;
}

/** Folds one SSE event into the turn, calling the handlers as blocks start, grow and end. */
function applyEvent(result: TurnResult, event: RawMessageStreamEvent, handlers: TurnHandlers): void {
  switch (event.type) {
    case 'message_start':
      result.inputTokens = event.message.usage.input_tokens;
      result.outputTokens = event.message.usage.output_tokens;
      break;
    case 'content_block_start': {
      const block = event.content_block;
      if (block.type === 'text') {
        result.blocks[event.index] = { type: 'text', text: block.text };
        handlers.onTextStart?.(event.index);
        if (block.text) handlers.onTextDelta?.(event.index, block.text);
      } else if (block.type === 'tool_use') {
        result.blocks[event.index] = { type: 'tool_use', id: block.id, name: block.name, input: {}, inputJson: '', complete: false };
        handlers.onToolUseStart?.(event.index, { id: block.id, name: block.name });
      }
      break;
    }
    case 'content_block_delta': {
      const block = result.blocks[event.index];
      if (event.delta.type === 'text_delta' && block?.type === 'text') {
        block.text += event.delta.text;
        handlers.onTextDelta?.(event.index, event.delta.text);
      } else if (event.delta.type === 'input_json_delta' && block?.type === 'tool_use') {
        block.inputJson += event.delta.partial_json;
      }
      break;
    }
    case 'content_block_stop': {
      const block = result.blocks[event.index];
      if (block?.type === 'tool_use') {
        block.input = parseToolInput(block.inputJson);
        block.complete = true;
        handlers.onToolUseComplete?.(event.index, block);
      }
      break;
    }
    case 'message_delta':
      result.stopReason = event.delta.stop_reason;
      result.outputTokens = event.usage.output_tokens;
      if (event.usage.input_tokens) result.inputTokens = event.usage.input_tokens;
      break;
    case 'message_stop':
      break;
    default:
      event satisfies never;
  }
}
