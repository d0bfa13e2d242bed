import type { MessageCreateParams, MessageParam } from '@anthropic-ai/sdk/resources/messages/messages';
import { z } from 'zod';
import { formatPersonMessage } from '../server/src/agent/conversation.js';
import { BLUEPRINT_AUTHOR } from '../server/src/blueprint/blueprint-runner.js';
import type { FakeBlock, FakeReply } from '../server/test-support/fake-anthropic.js';

/**
 * A task's scripted answers for the fake Messages API (eval/tasks/<name>/fake-model.json): one attempt
 * per phase (the implement node, then each fix round; the last repeats), each a list of model turns.
 * The reply is chosen from the request alone, so it makes real tool calls through the real agent loop.
 */

export const fakeTurnSchema = z
  .object({
    text: z.string().optional(),
    tools: z.array(z.object({ name: z.string().min(1), input: z.record(z.string(), z.unknown()) }).strict()).optional(),
  })
  .strict()
  .refine((turn) => turn.text || turn.tools?.length, 'a turn says something or calls a tool');
export const fakeScriptSchema = z.object({ attempts: z.array(z.array(fakeTurnSchema)).min(1) }).strict();
export type FakeTaskScript = z.infer<typeof fakeScriptSchema>;

/** The fake has no tokenizer: tokens are estimated as characters / 4 (the usual rule of thumb for English and code). */
export const FAKE_CHARS_PER_TOKEN = 4;
/** What the fake says once an attempt's turns are used up (the agent node ends on a turn without tool calls). */
export const FAKE_DONE_TEXT = 'Done.';

/** How a fix round's message starts: the engine's own author, asking (see BlueprintRunner). */
const FIX_ROUND_PREFIX = formatPersonMessage({ id: '', authorId: BLUEPRINT_AUTHOR.id, authorName: BLUEPRINT_AUTHOR.name, text: '', delivery: 'prompt' });

const texts = (message: MessageParam): string[] =>
  typeof message.content === 'string' ? [message.content] : message.content.flatMap((block) => (block.type === 'text' ? [block.text] : []));
const hasToolResult = (message: MessageParam) => typeof message.content !== 'string' && message.content.some((block) => block.type === 'tool_result');

/** Which attempt (0 = implement, k = fix round k) and which turn of it a request asks for. */
export function phaseOf(messages: readonly MessageParam[]): { attempt: number; turn: number } {
  const attempt = messages.filter((message) => message.role === 'user' && !hasToolResult(message) && texts(message).some((text) => text.startsWith(FIX_ROUND_PREFIX))).length;
  // The latest prompt is the last user message that answers no tool call; the turns since it are this attempt's.
  let prompt = -1;
  messages.forEach((message, index) => {
    if (message.role === 'user' && !hasToolResult(message)) prompt = index;
  });
  const turn = messages.slice(prompt + 1).filter((message) => message.role === 'assistant').length;
  return { attempt, turn };
}

const estimateTokens = (value: unknown) => Math.max(1, Math.ceil(JSON.stringify(value ?? '').length / FAKE_CHARS_PER_TOKEN));

/** The fake's reply to one request of a task, with usage estimated from the request's and reply's size. */
export function fakeReplyFor(script: FakeTaskScript, body: MessageCreateParams): FakeReply {
  const { attempt, turn } = phaseOf(body.messages);
  const turns = script.attempts[Math.min(attempt, script.attempts.length - 1)]!;
  const planned = turns[turn];
  const blocks: FakeBlock[] = [];
  if (!planned) blocks.push({ type: 'text', text: FAKE_DONE_TEXT });
  else {
    if (planned.text) blocks.push({ type: 'text', text: planned.text });
    for (const tool of planned.tools ?? []) blocks.push({ type: 'tool_use', name: tool.name, input: tool.input });
  }
  const usage = { input: estimateTokens({ system: body.system, tools: body.tools, messages: body.messages }), output: estimateTokens(blocks) };
  return { kind: 'stream', blocks, stopReason: blocks.some((block) => block.type === 'tool_use') ? 'tool_use' : 'end_turn', usage };
}

/** The task a request belongs to: the one whose goal the conversation carries. */
export function taskOfRequest<T extends { goal: string }>(tasks: readonly T[], body: MessageCreateParams): T | undefined {
  const said = body.messages.flatMap((message) => (message.role === 'user' ? texts(message) : []));
  return tasks.find((task) => said.some((text) => text.includes(task.goal)));
}
