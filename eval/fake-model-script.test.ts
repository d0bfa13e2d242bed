import type { MessageCreateParams, MessageParam } from '@anthropic-ai/sdk/resources/messages/messages';
import { describe, expect, it } from 'vitest';
import { findBuiltInBlueprint } from '../server/src/blueprint/built-in-blueprints.js';
import { FAKE_DONE_TEXT, fakeReplyFor, phaseOf, taskOfRequest, type FakeTaskScript } from './fake-model-script.js';
import { withoutChecksFixLoop } from './variant-blueprints.js';

const ask = (text: string): MessageParam => ({ role: 'user', content: [{ type: 'text', text: `[Eval asks]\n${text}` }] });
const fixRound = (round: number): MessageParam => ({ role: 'user', content: [{ type: 'text', text: `[Tandem asks]\nThe checks failed (fix round ${round} of 2).` }] });
const toolCall = (id: string): MessageParam => ({ role: 'assistant', content: [{ type: 'tool_use', id, name: 'write_file', input: {} }] });
const toolDone = (id: string): MessageParam => ({ role: 'user', content: [{ type: 'tool_result', tool_use_id: id, content: 'Wrote it.' }] });
const said = (text: string): MessageParam => ({ role: 'assistant', content: [{ type: 'text', text }] });
const request = (messages: MessageParam[]): MessageCreateParams => ({ model: 'fake', max_tokens: 100, messages });

const script: FakeTaskScript = {
  attempts: [
    [{ text: 'first try', tools: [{ name: 'write_file', input: { path: 'a.js', content: 'wrong' } }] }],
    [{ tools: [{ name: 'write_file', input: { path: 'a.js', content: 'right' } }] }],
  ],
};
const blocksOf = (messages: MessageParam[]) => {
  const reply = fakeReplyFor(script, request(messages));
  return reply.kind === 'stream' ? reply.blocks : [];
};

describe('the fake model’s script', () => {
  it('tells the implement node from each fix round, and the turn within it', () => {
    expect(phaseOf([ask('Make add add')])).toEqual({ attempt: 0, turn: 0 });
    expect(phaseOf([ask('Make add add'), toolCall('t1'), toolDone('t1')])).toEqual({ attempt: 0, turn: 1 });
    const implemented = [ask('Make add add'), toolCall('t1'), toolDone('t1'), said('Done.')];
    expect(phaseOf([...implemented, fixRound(1)])).toEqual({ attempt: 1, turn: 0 });
    expect(phaseOf([...implemented, fixRound(1), toolCall('t2'), toolDone('t2'), said('Done.'), fixRound(2)])).toEqual({ attempt: 2, turn: 0 });
  });

  it('makes the attempt’s tool calls, then ends the node, and repeats its last attempt in later rounds', () => {
    expect(blocksOf([ask('x')])).toEqual([
      { type: 'text', text: 'first try' },
      { type: 'tool_use', name: 'write_file', input: { path: 'a.js', content: 'wrong' } },
    ]);
    expect(blocksOf([ask('x'), toolCall('t1'), toolDone('t1')])).toEqual([{ type: 'text', text: FAKE_DONE_TEXT }]);
    const round2 = [ask('x'), toolCall('t1'), toolDone('t1'), said('Done.'), fixRound(1), toolCall('t2'), toolDone('t2'), said('Done.'), fixRound(2)];
    expect(blocksOf(round2)).toEqual([{ type: 'tool_use', name: 'write_file', input: { path: 'a.js', content: 'right' } }]);
  });

  it('reports usage that grows with the conversation', () => {
    const short = fakeReplyFor(script, request([ask('x')]));
    const long = fakeReplyFor(script, request([ask('x'), toolCall('t1'), toolDone('t1'), said('Done.'), fixRound(1)]));
    if (short.kind !== 'stream' || long.kind !== 'stream') throw new Error('expected streams');
    expect(long.usage!.input).toBeGreaterThan(short.usage!.input);
    expect(short.stopReason).toBe('tool_use');
  });

  it('routes a request to the task whose goal it carries', () => {
    const tasks = [{ goal: 'Fix range' }, { goal: 'Make add add' }];
    expect(taskOfRequest(tasks, request([ask('Make add add'), said('Done.'), fixRound(1)]))).toBe(tasks[1]);
    expect(taskOfRequest(tasks, request([ask('Something else')]))).toBeUndefined();
  });
});

describe('the comparison variant', () => {
  it('is implement without its checks→fix node, every other node (the CI fix too) kept in order', () => {
    const implement = findBuiltInBlueprint('implement')!;
    const variant = withoutChecksFixLoop(implement, 'implement-no-fix');
    expect(variant.name).toBe('implement-no-fix');
    const fixesChecks = (node: (typeof implement.nodes)[number]) => node.kind === 'fix' && node.checks === 'checks';
    expect(implement.nodes.some(fixesChecks)).toBe(true);
    expect(variant.nodes.map((node) => node.id)).toEqual(implement.nodes.filter((node) => !fixesChecks(node)).map((node) => node.id));
  });
});
