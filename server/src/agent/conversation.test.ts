import { expect, it } from 'vitest';
import { Conversation, formatPersonMessage, toolResult } from './conversation.js';
import { matchesGlob } from './tools/glob-pattern.js';

it('keeps the API’s turn rules: one user turn at a time, tool results first, no empty text', () => {
  const conversation = new Conversation();
  conversation.addPeople([{ id: 'm1', authorId: 'u1', authorName: 'Ada', text: 'Fix it', delivery: 'prompt' }]);
  conversation.addAssistant([
    { type: 'text', text: '  ' },
    { type: 'tool_use', id: 't1', name: 'bash', input: { command: 'ls' }, inputJson: '{"command":"ls"}', complete: true },
  ]);
  conversation.addPeople([{ id: 'm2', authorId: 'u2', authorName: 'Bob', text: 'Also tests', delivery: 'steer' }]);
  conversation.addUser([toolResult('t1', 'a.txt', false)]);
  expect(conversation.messages).toEqual([
    { role: 'user', content: [{ type: 'text', text: '[Ada asks]\nFix it' }] },
    { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'bash', input: { command: 'ls' } }] },
    {
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: 't1', content: 'a.txt', is_error: false },
        { type: 'text', text: '[Bob steers while you work]\nAlso tests' },
      ],
    },
  ]);
  // A turn cut before any words arrived adds nothing.
  conversation.addAssistant([{ type: 'text', text: '' }]);
  expect(conversation.messages).toHaveLength(3);
  expect(formatPersonMessage({ id: 'm3', authorId: 'u3', authorName: 'Cy', text: 'Stop', delivery: 'interrupt' })).toBe('[Cy interrupted you]\nStop');
});

it('matches globs the way search tools do', () => {
  expect(matchesGlob('src/a/b.ts', '**/*.ts')).toBe(true);
  expect(matchesGlob('b.ts', '**/*.ts')).toBe(true);
  expect(matchesGlob('src/b.test.js', 'src/*.test.{js,ts}')).toBe(true);
  expect(matchesGlob('src/deep/b.test.js', 'src/*.test.js')).toBe(false);
  expect(matchesGlob('src/deep/readme.md', '*.md')).toBe(true);
  expect(matchesGlob('src/a.tsx', '*.ts')).toBe(false);
});
