import { expect, it } from 'vitest';
import type { ToolCallEntry, TranscriptEntry } from '@tandem/shared/doc/schema.js';
import { conversationFromTranscript, cutToolCallIds, describePlan, UNFINISHED_TOOL_CALL_RESULT } from './conversation-history.js';
import { findMessageRuleViolation } from './message-rules.js';
import { MAX_TOOL_RESULT_CHARS } from './tools/tool.js';

const at = 1_700_000_000_000;
const person = (id: string, authorName: string, text: string, delivery: 'chat' | 'prompt' | 'steer' | 'queue' | 'interrupt'): TranscriptEntry => ({
  kind: 'user-message',
  id,
  authorId: `u_${authorName}`,
  authorName,
  text,
  delivery,
  createdAt: at,
});
const words = (id: string, text: string): TranscriptEntry => ({ kind: 'assistant-text', id, runId: 'r1', text, streaming: false, createdAt: at });
const call = (id: string, name: string, input: unknown, output: string, patch: Partial<ToolCallEntry> = {}): TranscriptEntry => ({
  kind: 'tool-call',
  id,
  runId: 'r1',
  name,
  input: typeof input === 'string' ? input : JSON.stringify(input),
  status: 'done',
  output,
  createdAt: at,
  ...patch,
});
const notice = (text: string): TranscriptEntry => ({ kind: 'system-notice', id: `n_${text}`, text, level: 'info', createdAt: at });

it('rebuilds earlier runs as the model saw them: people’s messages with names, turns, tool calls answered; chat and notices stay out', () => {
  const messages = conversationFromTranscript([
    person('m1', 'Ada', 'Fix the slugify test.', 'prompt'),
    words('r1_1_0', 'Running the tests first.'),
    call('t1', 'bash', { command: 'npm test' }, '1 failing\n[exit code 1]', { status: 'error' }),
    call('t2', 'read_file', { path: 'src/slugify.js' }, '1\texport function slugify() {}'),
    person('m2', 'Bob', 'Keep the dashes.', 'steer'),
    words('r1_2_0', 'Fixed it: dashes kept.'),
    notice('The agent finished.'),
    person('m3', 'Bob', 'lunch?', 'chat'),
    person('m4', 'Ada', 'Now add a test for empty titles.', 'prompt'),
  ]);
  expect(messages).toEqual([
    { role: 'user', content: [{ type: 'text', text: '[Ada asks]\nFix the slugify test.' }] },
    {
      role: 'assistant',
      content: [
        { type: 'text', text: 'Running the tests first.' },
        { type: 'tool_use', id: 't1', name: 'bash', input: { command: 'npm test' } },
        { type: 'tool_use', id: 't2', name: 'read_file', input: { path: 'src/slugify.js' } },
      ],
    },
    {
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: 't1', content: '1 failing\n[exit code 1]', is_error: true },
        { type: 'tool_result', tool_use_id: 't2', content: '1\texport function slugify() {}', is_error: false },
        { type: 'text', text: '[Bob steers while you work]\nKeep the dashes.' },
      ],
    },
    { role: 'assistant', content: [{ type: 'text', text: 'Fixed it: dashes kept.' }] },
    { role: 'user', content: [{ type: 'text', text: '[Ada asks]\nNow add a test for empty titles.' }] },
  ]);
  expect(findMessageRuleViolation(messages)).toBeNull();
});

it('a text after a tool call starts the next turn, and an interrupt lands after the results it cut', () => {
  const messages = conversationFromTranscript([
    person('m1', 'Ada', 'Go.', 'prompt'),
    call('t1', 'list_files', {}, 'a.txt'),
    words('r1_2_0', 'Now I will rewrite a.txt.'),
    call('t2', 'write_file', '', 'Not run: interrupted by Bob.', { status: 'error' }),
    person('m2', 'Bob', 'Do not rewrite it.', 'interrupt'),
    words('r1_3_0', 'Understood.'),
  ]);
  expect(messages.map((message) => message.role)).toEqual(['user', 'assistant', 'user', 'assistant', 'user', 'assistant']);
  expect(messages[3]).toEqual({
    role: 'assistant',
    content: [
      { type: 'text', text: 'Now I will rewrite a.txt.' },
      // A call cut before its input arrived is closed with an empty input, as the run did.
      { type: 'tool_use', id: 't2', name: 'write_file', input: {} },
    ],
  });
  expect(messages[4]!.content).toEqual([
    { type: 'tool_result', tool_use_id: 't2', content: 'Not run: interrupted by Bob.', is_error: true },
    { type: 'text', text: '[Bob interrupted you]\nDo not rewrite it.' },
  ]);
  expect(findMessageRuleViolation(messages)).toBeNull();
});

it('calls of consecutive turns stay separate turns, each answered before the next', () => {
  const inTurn = (turn: number) => ({ turn, runId: 'r9' });
  const messages = conversationFromTranscript([
    person('m1', 'Ada', 'Count twice.', 'prompt'),
    call('t1', 'bash', { command: 'seq 3' }, '1\n2\n3', inTurn(1)),
    call('t2', 'bash', { command: 'seq 2' }, '1\n2', inTurn(2)),
    { ...words('r9_3_0', 'Counted twice.'), ...inTurn(3) },
  ]);
  expect(messages.map((message) => [message.role, (message.content as Array<{ type: string }>).map((block) => block.type).join(',')])).toEqual([
    ['user', 'text'],
    ['assistant', 'tool_use'],
    ['user', 'tool_result'],
    ['assistant', 'tool_use'],
    ['user', 'tool_result'],
    ['assistant', 'text'],
  ]);
  expect(findMessageRuleViolation(messages)).toBeNull();
});

it('uses the store’s whole output for a cut one (capped as the model saw it), closes unfinished calls, and keeps a capped input an object', () => {
  const whole = 'line\n'.repeat(10_000);
  const cappedInput = `{"path":"big.txt","content":"${'x'.repeat(3_000)}\n… [9000 characters cut] …\n${'x'.repeat(900)}"}`;
  const entries = [
    person('m1', 'Ada', 'Go.', 'prompt'),
    call('t1', 'bash', { command: 'yes line | head -10000' }, 'line\n… [cut] …\nline', { outputTruncated: true }),
    call('t2', 'write_file', cappedInput, 'Wrote big.txt (1 lines).'),
    call('t3', 'bash', { command: 'sleep 100' }, '', { status: 'running' }),
  ];
  expect(cutToolCallIds(entries)).toEqual(['t1']);
  const messages = conversationFromTranscript(entries, new Map([['t1', whole]]));
  const results = messages[2]!.content as Array<{ type: string; content?: unknown; is_error?: boolean }>;
  expect(String(results[0]!.content).length).toBeLessThanOrEqual(MAX_TOOL_RESULT_CHARS + 100);
  expect(String(results[0]!.content)).toContain('characters cut');
  expect(results[2]).toMatchObject({ content: UNFINISHED_TOOL_CALL_RESULT, is_error: true });
  const writeCall = (messages[1]!.content as Array<{ type: string; input?: unknown }>)[1]!;
  expect(writeCall.input).toEqual({ input_cut: expect.stringContaining('The input was too long to keep; it began: {"path":"big.txt"') });
  expect(findMessageRuleViolation(messages)).toBeNull();
});

it('a transcript that starts with the agent (its first message lost) still starts with a user turn; an empty one gives nothing', () => {
  const messages = conversationFromTranscript([words('r1_1_0', 'Picking up where we were.'), person('m1', 'Ada', 'Continue.', 'queue')]);
  expect(messages[0]).toEqual({ role: 'user', content: [{ type: 'text', text: '[Earlier in this session]' }] });
  expect(findMessageRuleViolation(messages)).toBeNull();
  expect(conversationFromTranscript([notice('The server restarted.'), person('m2', 'Bob', 'hi all', 'chat')])).toEqual([]);
});

it('describes the shared plan for the first turn of a run', () => {
  expect(describePlan([])).toBeNull();
  expect(
    describePlan([
      { id: 'p1', title: 'Write the note', status: 'done', kind: 'agent', attempts: 0 },
      { id: 'p2', title: 'Shout it', status: 'pending', kind: 'agent', attempts: 0 },
    ]),
  ).toBe("[The session's shared plan as it stands now; people may have edited it]\n- [done] Write the note (id p1)\n- [pending] Shout it (id p2)");
});
