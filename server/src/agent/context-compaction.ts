import type { ContentBlockParam, MessageParam, TextBlockParam } from '@anthropic-ai/sdk/resources/messages/messages';

/** Rough size of a token for English and code: estimates are characters / 4, no tokenizer needed. */
export const CHARS_PER_TOKEN = 4;
/** Added per message for the role and block framing the API counts. */
const TOKENS_PER_MESSAGE = 4;
/**
 * Tokens the conversation may take in one request by default: a 200k-token window less room for the
 * system prompt, the tool definitions, the reply and the estimate's error.
 */
export const DEFAULT_MAX_CONTEXT_TOKENS = 120_000;
/** The newest messages are always sent whole: the agent's current work. */
export const RECENT_MESSAGES_KEPT_WHOLE = 8;
/** An older tool result (or a long string in an older tool input) is cut to an excerpt this long. */
export const MAX_OLD_TOOL_TEXT_CHARS = 1_500;
/** Most characters of the session's first request quoted where the oldest turns were left out. */
export const MAX_FIRST_REQUEST_QUOTE_CHARS = 1_000;

export interface ContextBudget {
  maxTokens: number;
  recentMessagesKeptWhole: number;
  maxOldToolTextChars: number;
}

export const DEFAULT_CONTEXT_BUDGET: ContextBudget = {
  maxTokens: DEFAULT_MAX_CONTEXT_TOKENS,
  recentMessagesKeptWhole: RECENT_MESSAGES_KEPT_WHOLE,
  maxOldToolTextChars: MAX_OLD_TOOL_TEXT_CHARS,
};

export interface Compaction {
  messages: MessageParam[];
  estimatedTokens: number;
  /** Tool results and tool inputs cut to an excerpt. */
  summarisedToolTexts: number;
  /** The oldest messages left out (replaced by one note). */
  droppedMessages: number;
}

function blockChars(block: ContentBlockParam): number {
  switch (block.type) {
    case 'text':
      return block.text.length;
    case 'tool_use':
      return block.name.length + JSON.stringify(block.input ?? {}).length;
    case 'tool_result':
      return typeof block.content === 'string' ? block.content.length : JSON.stringify(block.content ?? '').length;
    default:
      return JSON.stringify(block).length;
  }
}

export function estimateMessageTokens(message: MessageParam): number {
  const chars = typeof message.content === 'string' ? message.content.length : message.content.reduce((sum, block) => sum + blockChars(block), 0);
  return Math.ceil(chars / CHARS_PER_TOKEN) + TOKENS_PER_MESSAGE;
}

export function estimateTokens(messages: readonly MessageParam[]): number {
  return messages.reduce((sum, message) => sum + estimateMessageTokens(message), 0);
}

const leftOutMarker = (chars: number) => `\n… [${chars} characters left out to save context; run the tool again if you need them] …\n`;

/**
 * The head and tail of a long text (errors tend to be at the end) with a marker that says how much
 * was left out; at most `maxChars` long, so an excerpt is never cut again.
 */
export function excerpt(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const room = maxChars - leftOutMarker(text.length).length;
  if (room < 2) return text.slice(0, maxChars);
  const half = Math.floor(room / 2);
  return `${text.slice(0, half)}${leftOutMarker(text.length - 2 * half)}${text.slice(-half)}`;
}

/** Cuts every long string inside a tool input, keeping its shape (the input stays an object). */
function shortenStrings(value: unknown, maxChars: number, counter: { count: number }): unknown {
  if (typeof value === 'string') {
    if (value.length <= maxChars) return value;
    counter.count += 1;
    return excerpt(value, maxChars);
  }
  if (Array.isArray(value)) return value.map((item) => shortenStrings(item, maxChars, counter));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, shortenStrings(item, maxChars, counter)]));
  return value;
}

/** The message with its long tool results and tool inputs cut to excerpts; people's and the agent's words stay. */
function summariseToolTexts(message: MessageParam, maxChars: number, counter: { count: number }): MessageParam {
  if (typeof message.content === 'string' || message.role === 'system') return message;
  let changed = false;
  const content = message.content.map((block): ContentBlockParam => {
    if (block.type === 'tool_use') {
      const before = counter.count;
      const input = shortenStrings(block.input, maxChars, counter);
      if (counter.count === before) return block;
      changed = true;
      return { ...block, input };
    }
    if (block.type === 'tool_result' && typeof block.content === 'string' && block.content.length > maxChars) {
      counter.count += 1;
      changed = true;
      return { ...block, content: excerpt(block.content, maxChars) };
    }
    return block;
  });
  return changed ? { ...message, content } : message;
}

function hasToolResults(message: MessageParam): boolean {
  return typeof message.content !== 'string' && message.content.some((block) => block.type === 'tool_result');
}

function firstPersonText(messages: readonly MessageParam[]): string | undefined {
  for (const message of messages) {
    if (message.role !== 'user') continue;
    if (typeof message.content === 'string') return message.content;
    const text = message.content.find((block): block is TextBlockParam => block.type === 'text');
    if (text) return text.text;
  }
  return undefined;
}

/**
 * What replaces the oldest `dropped` messages: the first kept message (a user turn), without the
 * tool_results whose calls were dropped, starting with a note that says what is missing and quotes
 * how the conversation began.
 */
function firstAfterDropping(first: MessageParam, dropped: number, quote: string | undefined): MessageParam {
  const note: TextBlockParam = {
    type: 'text',
    text:
      `[The ${dropped} oldest messages of this session were left out to fit the context window.` +
      (quote ? ` The conversation began with:\n${excerpt(quote, MAX_FIRST_REQUEST_QUOTE_CHARS)}]` : ']'),
  };
  const kept = typeof first.content === 'string' ? [{ type: 'text' as const, text: first.content }] : first.content.filter((block) => block.type !== 'tool_result');
  return { role: 'user', content: [note, ...kept] };
}

/**
 * Fits a conversation into the context budget, changing as little as it must, in three stages:
 * (1) older tool results and tool inputs are cut to excerpts (the newest messages stay whole);
 * (2) the oldest messages are left out, cut at a user turn and replaced by a note that quotes how
 * the conversation began; (3) if the newest messages alone are still too big, their tool texts are
 * cut too (except the last message's). The result keeps tool_use/tool_result pairs valid. Pure.
 */
export function compactConversation(messages: readonly MessageParam[], budget: ContextBudget = DEFAULT_CONTEXT_BUDGET): Compaction {
  const untouched = estimateTokens(messages);
  if (untouched <= budget.maxTokens) return { messages: [...messages], estimatedTokens: untouched, summarisedToolTexts: 0, droppedMessages: 0 };

  const counter = { count: 0 };
  const recentStart = Math.max(0, messages.length - budget.recentMessagesKeptWhole);
  let working = messages.map((message, index) => (index < recentStart ? summariseToolTexts(message, budget.maxOldToolTextChars, counter) : message));
  let dropped = 0;

  if (estimateTokens(working) > budget.maxTokens) {
    // Cut points: a user turn, so the rest starts with one; not inside the recent messages nor at the
    // last one, and at the first recent message only when it answers no tool call (it would lose results).
    const cuttable = (index: number) =>
      working[index]!.role === 'user' && (index < recentStart || !hasToolResults(working[index]!));
    const sizes = working.map(estimateMessageTokens);
    const suffix = new Array<number>(working.length + 1).fill(0);
    for (let index = working.length - 1; index >= 0; index -= 1) suffix[index] = suffix[index + 1]! + sizes[index]!;
    const quote = firstPersonText(working);
    let cut = 0;
    for (let index = 1; index <= Math.min(recentStart, working.length - 2); index += 1) {
      if (!cuttable(index)) continue;
      cut = index;
      // Only the first kept message changes (the note, the dropped calls' results); the rest is summed once.
      if (estimateMessageTokens(firstAfterDropping(working[index]!, index, quote)) + suffix[index + 1]! <= budget.maxTokens) break;
    }
    if (cut > 0) {
      working = [firstAfterDropping(working[cut]!, cut, quote), ...working.slice(cut + 1)];
      dropped = cut;
    }
  }

  if (estimateTokens(working) > budget.maxTokens) {
    working = working.map((message, index) => (index < working.length - 1 ? summariseToolTexts(message, budget.maxOldToolTextChars, counter) : message));
  }
  return { messages: working, estimatedTokens: estimateTokens(working), summarisedToolTexts: counter.count, droppedMessages: dropped };
}
