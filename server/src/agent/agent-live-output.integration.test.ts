import { afterAll, beforeAll, expect, it } from 'vitest';
import { appendLiveToolOutput, appendTranscriptEntry, readAgentState, readTranscript, writeAgentState } from '@tandem/shared/doc/accessors.js';
import { Origin } from '@tandem/shared/doc/origins.js';
import type { ToolCallEntry } from '@tandem/shared/doc/schema.js';
import { MAX_TOOL_OUTPUT_DOC_CHARS } from '@tandem/shared/limits.js';
import { FAKE_API_KEY, startFakeAnthropic, textReply, toolReply, type FakeAnthropic } from '../../test-support/fake-anthropic.js';
import { serverForFile, sessionWithPeople } from '../../test-support/server-per-file.js';
import { waitFor, withModelAt } from '../../test-support/test-server.js';
import { SERVER_RESTARTED_TOOL_OUTPUT } from './agent-service.js';

let fake: FakeAnthropic;
beforeAll(async () => {
  fake = await startFakeAnthropic();
});
afterAll(() => fake.close());
const shared = serverForFile('agent-live', { sandboxes: true }, (config) => withModelAt(fake.url, FAKE_API_KEY)(config));

it('a long command’s output shows in its card while it runs (its newest lines, capped), with its start time; the final output replaces it', async () => {
  const { ada, sessionId, tab } = await sessionWithPeople(shared, 'Live output', 'vic');
  // The command prints more than the card keeps, then waits until the test lets it finish.
  const command = 'seq 1 3000; echo waiting-for-go; while [ ! -e go ]; do sleep 0.05; done; echo finished';
  const firstRequest = fake.requests.length;
  fake.setScript((_request, index) => (index === firstRequest ? toolReply('bash', { command }) : textReply('It finished.')));
  const sentAtMs = Date.now();
  await shared.api.call('POST', `/sessions/${sessionId}/messages`, ada.token, { text: 'Run the long command.', delivery: 'prompt' });

  const call = () => readTranscript(tab.doc).find((entry): entry is ToolCallEntry => entry.kind === 'tool-call');
  await waitFor(() => call()?.liveOutput?.includes('waiting-for-go') === true, 'the live output to reach the viewer', 30_000);
  const running = call()!;
  expect(running.status).toBe('running');
  expect(running.startedAt).toBeGreaterThanOrEqual(sentAtMs - 1_000);
  // The newest lines, within the doc's cap, starting at a whole line, and marked as cut.
  expect(running.liveOutput!.length).toBeLessThanOrEqual(MAX_TOOL_OUTPUT_DOC_CHARS);
  expect(running.liveOutput).toMatch(/^\d+\n[\s\S]*\n3000\nwaiting-for-go\n$/);
  expect(running.liveOutputCut).toBe(true);
  expect(running.output).toBeUndefined();

  const workspace = await shared.server.runtime!.ensureStarted(sessionId);
  await workspace.sandbox.writeFile('go', '');
  await waitFor(() => ['done', 'failed', 'stopped'].includes(readAgentState(tab.doc)?.state ?? ''), 'the run to end', 30_000);
  const finished = call()!;
  expect(finished).toMatchObject({ status: 'done', outputTruncated: true });
  expect(finished.output).toMatch(/^1\n2\n[\s\S]*\nwaiting-for-go\nfinished\n[\s\S]*\[exit code 0\]$/);
  expect(finished.liveOutput).toBeUndefined();
  expect(finished.liveOutputCut).toBeUndefined();
  expect(finished.durationMs).toBeGreaterThan(0);
});

it('a call the server was running when it stopped ends with what it had printed, so no card runs forever', async () => {
  const { sessionId, tab } = await sessionWithPeople(shared, 'Restarted mid-call', 'vic');
  // The doc as a server that stopped mid-run left it: a run going, a command running with some output.
  await shared.server.docHost.change(sessionId, (doc) => {
    writeAgentState(doc, { state: 'running', runId: 'r_old', model: 'claude-test', turns: 1, maxTurns: 40, inputTokens: 0, outputTokens: 0, maxOutputTokens: 1, costUsd: 0 }, Origin.agent);
    appendTranscriptEntry(doc, { kind: 'tool-call', id: 'toolu_old', runId: 'r_old', turn: 1, name: 'bash', input: '{"command":"make"}', status: 'running', startedAt: Date.now(), createdAt: Date.now() }, Origin.agent);
    appendLiveToolOutput(doc, 'toolu_old', 'compiling 1 of 3', MAX_TOOL_OUTPUT_DOC_CHARS, Origin.agent);
  });
  await shared.server.agents.reconcile(sessionId);
  const call = () => readTranscript(tab.doc).find((entry): entry is ToolCallEntry => entry.kind === 'tool-call');
  await waitFor(() => call()?.status === 'error', 'the unfinished call to end', 10_000);
  expect(call()).toMatchObject({ status: 'error', output: `compiling 1 of 3\n${SERVER_RESTARTED_TOOL_OUTPUT}` });
  expect(call()!.liveOutput).toBeUndefined();
  expect(readAgentState(tab.doc)).toMatchObject({ state: 'stopped' });
});
