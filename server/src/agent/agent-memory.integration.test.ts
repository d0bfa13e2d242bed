import type { MessageParam, ToolResultBlockParam } from '@anthropic-ai/sdk/resources/messages/messages';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readAgentState, readTranscript } from '@tandem/shared/doc/accessors.js';
import type { PostMessageResponse } from '@tandem/shared/protocol/http.js';
import { FAKE_API_KEY, startFakeAnthropic, textReply, toolReply, userTexts, type FakeAnthropic, type FakeReply } from '../../test-support/fake-anthropic.js';
import { serverForFile, sessionWithPeople } from '../../test-support/server-per-file.js';
import { waitFor, withModelAt } from '../../test-support/test-server.js';
import { estimateTokens } from './context-compaction.js';

/** A small context budget, so a few long tool outputs are enough to make the agent compact its memory. */
const CONTEXT_TOKENS = 3_000;
/** Each test waits on two whole runs (up to 45 s each on a busy machine), longer than vitest's default 20 s. */
const TWO_RUNS_TIMEOUT_MS = 120_000;

let fake: FakeAnthropic;
beforeAll(async () => {
  fake = await startFakeAnthropic();
});
afterAll(() => fake.close());
const shared = serverForFile('agent-memory', { sandboxes: true }, (config) => {
  const withModel = withModelAt(fake.url, FAKE_API_KEY)(config);
  return { ...withModel, agent: { ...withModel.agent, budget: { ...withModel.agent.budget, maxContextTokens: CONTEXT_TOKENS } } };
});

async function agentSession(title: string) {
  const { ada, bob, sessionId, tab: watcher } = await sessionWithPeople(shared, title);
  const send = (token: string, text: string, delivery: string) =>
    shared.api.call<PostMessageResponse>('POST', `/sessions/${sessionId}/messages`, token, { text, delivery });
  const agent = () => readAgentState(watcher.doc);
  /** Waits for the run that `send` started (the n-th of the session) to end. */
  const runEnded = async (runsBefore: Set<string | undefined>) => {
    await waitFor(() => !runsBefore.has(agent()?.runId) && ['done', 'failed', 'stopped'].includes(agent()?.state ?? ''), 'the run to end', 45_000);
  };
  const runIds = () => new Set([agent()?.runId]);
  return { ada, bob, sessionId, watcher, send, agent, runEnded, runIds, transcript: () => readTranscript(watcher.doc) };
}

/** Answers the n-th request of this test with `replies[n]`; returns the messages of the n-th request. */
function script(replies: FakeReply[]) {
  const offset = fake.requests.length;
  fake.setScript((_request, index) => replies[index - offset] ?? textReply('Nothing more to do.'));
  return (n: number) => {
    const request = fake.requests[offset + n];
    if (!request) throw new Error(`the model got no request ${n} (only ${fake.requests.length - offset})`);
    return request.body.messages;
  };
}

function toolResults(message: MessageParam | undefined): ToolResultBlockParam[] {
  if (!message || typeof message.content === 'string') return [];
  return message.content.flatMap((block) => (block.type === 'tool_result' ? [block] : []));
}

it('a follow-up run continues the conversation: earlier turns, tool calls and whole outputs as the model saw them, and the plan', { timeout: TWO_RUNS_TIMEOUT_MS }, async () => {
  const people = await agentSession('Memory');
  const request = script([
    {
      kind: 'stream',
      stopReason: 'tool_use',
      blocks: [
        { type: 'text', text: 'Running the check.' },
        // Longer than the transcript keeps (8,000 characters): the follow-up reads the whole of it from the store.
        { type: 'tool_use', name: 'bash', input: { command: 'echo remembered-$((40+2)); seq 1 1900' } },
        { type: 'tool_use', name: 'update_plan', input: { steps: [{ title: 'Run the check', status: 'done' }] } },
      ],
    },
    textReply('It printed remembered-42, then the numbers.'),
    textReply('It printed remembered-42.'),
  ]);
  let before = people.runIds();
  await people.send(people.ada.token, 'Run the check.', 'prompt');
  await people.runEnded(before);
  // People chat between runs; the agent is not told.
  expect((await people.send(people.bob.token, 'lunch after this?', 'chat')).body.outcome).toBe('posted');

  before = people.runIds();
  expect((await people.send(people.bob.token, 'What did the check print first?', 'prompt')).body.outcome).toBe('started');
  await people.runEnded(before);
  expect(people.agent()).toMatchObject({ state: 'done' });

  const followUp = request(2);
  // The earlier run, exactly as the model saw it in its last request: words, calls, whole results.
  expect(followUp.slice(0, 3)).toEqual(request(1));
  expect(String(toolResults(followUp[2])[0]!.content)).toMatch(/^remembered-42\n1\n2\n[\s\S]*\n1900\n[\s\S]*\[exit code 0\]$/);
  expect(followUp[3]).toEqual({ role: 'assistant', content: [{ type: 'text', text: 'It printed remembered-42, then the numbers.' }] });
  // The new question comes with the plan as it stands; chat between people stays out.
  expect(userTexts([followUp.at(-1)!])).toEqual([
    expect.stringMatching(/^\[The session's shared plan as it stands now; people may have edited it\]\n- \[done\] Run the check \(id p_\w+\)$/),
    '[Bob asks]\nWhat did the check print first?',
  ]);
  expect(userTexts(followUp).join('\n')).not.toContain('lunch');
  expect(followUp).toHaveLength(5);
});

it('a run stopped in the middle of a tool call is remembered with the call closed, and the next run goes on from it', { timeout: TWO_RUNS_TIMEOUT_MS }, async () => {
  const people = await agentSession('Stopped then continued');
  const request = script([toolReply('bash', { command: 'sleep 300' }, 'Waiting on a slow command.'), textReply('Picking up: the slow command was stopped.')]);
  let before = people.runIds();
  await people.send(people.ada.token, 'Run the slow command.', 'prompt');
  await waitFor(() => people.transcript().some((entry) => entry.kind === 'tool-call' && entry.status === 'running'), 'the command to run', 20_000);
  expect((await shared.api.call('POST', `/sessions/${people.sessionId}/agent/stop`, people.bob.token)).status).toBe(200);
  await people.runEnded(before);

  before = people.runIds();
  await people.send(people.ada.token, 'Why did it stop?', 'prompt');
  await people.runEnded(before);
  expect(people.agent()).toMatchObject({ state: 'done' });
  const followUp = request(1);
  expect(toolResults(followUp[2])).toEqual([expect.objectContaining({ is_error: true, content: 'Interrupted by Bob while bash was running.' })]);
  expect(userTexts([followUp.at(-1)!])).toEqual(['[Ada asks]\nWhy did it stop?']);
});

it('past the context budget, the follow-up compacts: oldest turns left out with a note, older outputs cut, newest question whole', { timeout: TWO_RUNS_TIMEOUT_MS }, async () => {
  const people = await agentSession('Compaction');
  const count = (step: number) => toolReply('bash', { command: `echo step-${step}; seq 1 2000` });
  const request = script([count(1), count(2), count(3), count(4), count(5), textReply('Counted five times.'), textReply('The last number was 2000.')]);
  let before = people.runIds();
  await people.send(people.ada.token, 'Count to 2000, five times.', 'prompt');
  await people.runEnded(before);
  expect(people.agent()).toMatchObject({ state: 'done' });

  before = people.runIds();
  await people.send(people.bob.token, 'What was the last number?', 'prompt');
  await people.runEnded(before);
  // The fake Messages API refuses a conversation that breaks the turn rules, so a finished run means every request kept them.
  expect(people.agent()).toMatchObject({ state: 'done' });

  const followUp = request(6);
  expect(estimateTokens(followUp)).toBeLessThanOrEqual(CONTEXT_TOKENS);
  const first = followUp[0]!;
  expect(first.role).toBe('user');
  expect(userTexts([first])[0]).toMatch(/^\[The \d+ oldest messages of this session were left out to fit the context window\. The conversation began with:\n\[Ada asks\]\nCount to 2000, five times\.\]$/);
  // What is left of the outputs is head and tail, with what was cut said plainly.
  const kept = followUp.flatMap(toolResults).map((result) => String(result.content));
  expect(kept.length).toBeGreaterThan(0);
  for (const output of kept) expect(output).toMatch(/^step-\d\n1\n[\s\S]*characters left out to save context[\s\S]*\n2000\n[\s\S]*\[exit code 0\]$/);
  expect(userTexts([followUp.at(-1)!])).toEqual(['[Bob asks]\nWhat was the last number?']);
  // Everyone sees that the agent's memory was compacted.
  expect(people.transcript().filter((entry) => entry.kind === 'system-notice' && entry.text.startsWith('The conversation was compacted'))).not.toHaveLength(0);
});
