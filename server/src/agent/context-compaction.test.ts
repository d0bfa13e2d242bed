import type { MessageParam } from '@anthropic-ai/sdk/resources/messages/messages';
import { describe, expect, it } from 'vitest';
import { compactConversation, estimateTokens, excerpt, type ContextBudget } from './context-compaction.js';
import { findMessageRuleViolation } from './message-rules.js';

/** One exchange: the agent calls a tool, the result comes back (with an optional steer). */
function exchange(index: number, outputChars: number, inputChars = 10): MessageParam[] {
  return [
    {
      role: 'assistant',
      content: [
        { type: 'text', text: `Step ${index}.` },
        { type: 'tool_use', id: `t${index}`, name: 'write_file', input: { path: `f${index}.txt`, content: 'w'.repeat(inputChars) } },
      ],
    },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: `t${index}`, content: `${index}:`.padEnd(outputChars, 'o'), is_error: false }] },
  ];
}

function session(exchanges: number, outputChars: number): MessageParam[] {
  const messages: MessageParam[] = [{ role: 'user', content: [{ type: 'text', text: '[Ada asks]\nBuild the parser.' }] }];
  for (let index = 1; index <= exchanges; index += 1) messages.push(...exchange(index, outputChars));
  messages.push({ role: 'assistant', content: [{ type: 'text', text: 'Done.' }] });
  messages.push({ role: 'user', content: [{ type: 'text', text: '[Bob asks]\nNow the tests.' }] });
  return messages;
}

const budget = (maxTokens: number): ContextBudget => ({ maxTokens, recentMessagesKeptWhole: 4, maxOldToolTextChars: 200 });
const resultText = (message: MessageParam | undefined) =>
  message && typeof message.content !== 'string' ? message.content.flatMap((block) => (block.type === 'tool_result' ? [String(block.content)] : [])) : [];

it('leaves a conversation within the budget exactly as it is', () => {
  const messages = session(3, 2_000);
  const compacted = compactConversation(messages, budget(100_000));
  expect(compacted).toMatchObject({ summarisedToolTexts: 0, droppedMessages: 0 });
  expect(compacted.messages).toEqual(messages);
});

it('first cuts older tool results to excerpts and keeps the newest messages whole', () => {
  const messages = session(6, 4_000);
  const total = estimateTokens(messages);
  const compacted = compactConversation(messages, budget(Math.floor(total * 0.6)));
  expect(compacted.droppedMessages).toBe(0);
  expect(compacted.summarisedToolTexts).toBeGreaterThan(0);
  expect(compacted.estimatedTokens).toBeLessThanOrEqual(Math.floor(total * 0.6));
  // The oldest result is an excerpt (head and tail kept); the newest four messages are untouched.
  const oldest = resultText(compacted.messages[2])[0]!;
  expect(oldest.length).toBeLessThanOrEqual(200);
  expect(oldest).toMatch(/^1:o+\n… \[\d+ characters left out to save context; run the tool again if you need them\] …\no+$/);
  expect(compacted.messages.slice(-4)).toEqual(messages.slice(-4));
  expect(findMessageRuleViolation(compacted.messages)).toBeNull();
});

it('then leaves out the oldest messages, cut at a user turn, with a note that quotes how the session began', () => {
  const messages = session(12, 4_000);
  const compacted = compactConversation(messages, budget(1_300));
  expect(compacted.droppedMessages).toBeGreaterThan(0);
  expect(compacted.estimatedTokens).toBeLessThanOrEqual(1_300);
  const first = compacted.messages[0]!;
  expect(first.role).toBe('user');
  expect(first.content).toEqual([
    { type: 'text', text: `[The ${compacted.droppedMessages} oldest messages of this session were left out to fit the context window. The conversation began with:\n[Ada asks]\nBuild the parser.]` },
  ]);
  // The tool results of dropped calls went with them; every call that stayed is still answered.
  expect(findMessageRuleViolation(compacted.messages)).toBeNull();
  expect(compacted.messages.slice(-4)).toEqual(messages.slice(-4));
  // It drops no more than it must: some of the older (cut) exchanges are still there.
  expect(compacted.droppedMessages).toBeLessThan(messages.length - 4 - 2);
  expect(resultText(compacted.messages[2])[0]).toMatch(/characters left out/);
});

it('when the newest messages alone are too big, cuts their tool texts too but never the last message', () => {
  const messages: MessageParam[] = [{ role: 'user', content: [{ type: 'text', text: '[Ada asks]\nWrite two big files.' }] }, ...exchange(1, 50, 40_000), ...exchange(2, 40_000)];
  const compacted = compactConversation(messages, budget(2_000));
  const call = compacted.messages[1]!.content as Array<{ type: string; input?: { content?: string } }>;
  expect(call[1]!.input!.content!.length).toBeLessThanOrEqual(200);
  expect(compacted.messages.at(-1)).toEqual(messages.at(-1));
  expect(findMessageRuleViolation(compacted.messages)).toBeNull();
});

it('an excerpt is never longer than asked, so cutting twice changes nothing', () => {
  const once = excerpt('x'.repeat(10_000), 300);
  expect(once.length).toBeLessThanOrEqual(300);
  expect(excerpt(once, 300)).toBe(once);
  expect(excerpt('short', 300)).toBe('short');
});

describe('any conversation, any budget', () => {
  /** A small seeded generator, so a failure is reproducible. */
  function random(seed: number) {
    let state = seed;
    return (below: number) => {
      state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
      return state % below;
    };
  }

  it('keeps the Messages API rules (first turn user, alternation, every tool_use answered) after compaction', () => {
    for (let seed = 1; seed <= 300; seed += 1) {
      const next = random(seed);
      const messages: MessageParam[] = [{ role: 'user', content: [{ type: 'text', text: `[Ada asks]\nTask ${seed}` }] }];
      const turns = 1 + next(30);
      for (let turn = 0; turn < turns; turn += 1) {
        const calls = next(4);
        const ids = Array.from({ length: calls }, (_, index) => `s${seed}_${turn}_${index}`);
        messages.push({
          role: 'assistant',
          content: [
            ...(next(2) || calls === 0 ? [{ type: 'text' as const, text: 'w'.repeat(1 + next(3_000)) }] : []),
            ...ids.map((id) => ({ type: 'tool_use' as const, id, name: 'bash', input: { command: 'c'.repeat(1 + next(5_000)) } })),
          ],
        });
        const people = next(3) === 0 ? [{ type: 'text' as const, text: `[Bob steers while you work]\n${'p'.repeat(1 + next(500))}` }] : [];
        const results = ids.map((id) => ({ type: 'tool_result' as const, tool_use_id: id, content: 'o'.repeat(next(20_000)) || '(no output)', is_error: false }));
        if (results.length + people.length === 0) people.push({ type: 'text', text: '[Ada follows up]\nGo on.' });
        messages.push({ role: 'user', content: [...results, ...people] });
      }
      expect(findMessageRuleViolation(messages)).toBeNull();
      const compacted = compactConversation(messages, { maxTokens: 200 + next(20_000), recentMessagesKeptWhole: 1 + next(10), maxOldToolTextChars: 100 + next(2_000) });
      expect(findMessageRuleViolation(compacted.messages), `seed ${seed}`).toBeNull();
      expect(compacted.messages.at(-1), `seed ${seed}`).toEqual(messages.at(-1));
    }
  });
});

it('names what breaks the rules', () => {
  const call: MessageParam = { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'bash', input: {} }] };
  const answer: MessageParam = { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'ok' }] };
  const ask: MessageParam = { role: 'user', content: [{ type: 'text', text: 'Go' }] };
  expect(findMessageRuleViolation([ask, call, answer])).toBeNull();
  expect(findMessageRuleViolation([])).toBe('the conversation is empty');
  expect(findMessageRuleViolation([call, answer])).toBe('the first message must be a user turn');
  expect(findMessageRuleViolation([ask, ask])).toMatch(/roles must alternate/);
  expect(findMessageRuleViolation([ask, call])).toMatch(/no tool_result answers/);
  expect(findMessageRuleViolation([ask, call, ask])).toMatch(/t1 .* have no tool_result in the next message/);
  expect(findMessageRuleViolation([answer])).toMatch(/did not call/);
  expect(findMessageRuleViolation([ask, call, { role: 'user', content: [{ type: 'text', text: 'x' }, { type: 'tool_result', tool_use_id: 't1', content: 'ok' }] }])).toMatch(
    /tool_results must come first/,
  );
  expect(findMessageRuleViolation([{ role: 'user', content: [{ type: 'text', text: ' ' }] }])).toMatch(/empty text block/);
  expect(findMessageRuleViolation([ask, call, answer, call, answer])).toMatch(/repeats tool_use id t1/);
});
