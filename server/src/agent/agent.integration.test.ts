import { rm } from 'node:fs/promises';
import type { MessageParam, ToolResultBlockParam } from '@anthropic-ai/sdk/resources/messages/messages';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readAgentState, readMeta, readPlan, readQueue, readTranscript } from '@tandem/shared/doc/accessors.js';
import type { ToolCallEntry, TranscriptEntry } from '@tandem/shared/doc/schema.js';
import type { PostMessageResponse, ServerInfoResponse, SessionListResponse } from '@tandem/shared/protocol/http.js';
import { FAKE_API_KEY, startFakeAnthropic, textReply, toolReply, userTexts, type FakeAnthropic, type FakeReply } from '../../test-support/fake-anthropic.js';
import { EXAMPLE_REPO } from '../../test-support/local-sandbox.js';
import { serverForFile, sessionWithPeople } from '../../test-support/server-per-file.js';
import { apiClient, makeTempDir, startTestServer, waitFor, withModelAt } from '../../test-support/test-server.js';
import { connectSyncedPeer } from '../../test-support/wait.js';

let fake: FakeAnthropic;
// Registered first, so the fake model is up before the server that points at it.
beforeAll(async () => {
  fake = await startFakeAnthropic();
});
afterAll(() => fake.close());
const shared = serverForFile('agent', { sandboxes: true }, (config) => withModelAt(fake.url, FAKE_API_KEY)(config));
/** Tests that wait on the agent and the sandbox for several steps: above their own waits' bounds. */
const MULTI_STEP_TIMEOUT_MS = 60_000;

/** A session with its owner, an editor (Bob) and a viewer (Vic), and a synced doc to watch it. */
async function agentSession(title: string) {
  const { ada, bob, vic, sessionId, tab: watcher } = await sessionWithPeople(shared, title, 'vic');
  const transcript = () => readTranscript(watcher.doc);
  const agent = () => readAgentState(watcher.doc);
  /** The run before the one the last send started: the tab may still show it ended when the reply arrives (relays wait for the store). */
  let runBeforeLastStart: string | undefined;
  const send = async (token: string, text: string, delivery: string) => {
    const runBefore = agent()?.runId;
    const reply = await shared.api.call<PostMessageResponse>('POST', `/sessions/${sessionId}/messages`, token, { text, delivery });
    if (reply.body.outcome === 'started') runBeforeLastStart = runBefore;
    return reply;
  };
  /** Waits for the newest run (the one the last started send began) to end. */
  const runEnded = () =>
    waitFor(() => agent()?.runId !== undefined && agent()?.runId !== runBeforeLastStart && ['done', 'failed', 'stopped'].includes(agent()?.state ?? ''), 'the run to end', 30_000);
  /** The doc as the server has it now: a tab synced after an HTTP reply holds what that request wrote. */
  const serverView = async () => {
    const peer = await connectSyncedPeer(shared.server.url, sessionId, ada.token);
    shared.peers.push(peer);
    return peer.doc;
  };
  /** Runs a command in the session's sandbox, as a person in its terminal would. */
  const inSandbox = async (command: string) => {
    const live = await shared.server.runtime!.ensureStarted(sessionId);
    expect((await live.sandbox.exec(command)).exitCode).toBe(0);
  };
  return { ada, bob, vic, sessionId, watcher, send, transcript, agent, runEnded, serverView, inSandbox };
}

/** A promise a test settles when it has done what a paused model stream waits for. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

/** A bash command that blocks until `path` exists in the workspace (bounded), then prints `output`. */
const waitForFileThenEcho = (path: string, output: string) => `timeout 30 sh -c 'until [ -e ${path} ]; do sleep 0.05; done' && echo ${output}`;

/** A script that answers the n-th request of this test with `replies[n]` (requests of earlier tests excluded). */
function script(replies: Array<FakeReply | (() => FakeReply | Promise<FakeReply>)>) {
  const offset = fake.requests.length;
  fake.setScript((_request, index) => {
    const reply = replies[index - offset] ?? textReply('Nothing more to do.');
    return typeof reply === 'function' ? reply() : reply;
  });
  return (n: number) => fake.requests[offset + n]!.body.messages;
}

const toolCalls = (entries: TranscriptEntry[]) => entries.filter((entry): entry is ToolCallEntry => entry.kind === 'tool-call');
function toolResults(message: MessageParam | undefined): ToolResultBlockParam[] {
  if (!message || typeof message.content === 'string') return [];
  return message.content.flatMap((block) => (block.type === 'tool_result' ? [block] : []));
}

/** The API rejects a conversation with a tool_use that the next user turn does not answer. */
function expectEveryToolUseAnswered(messages: MessageParam[]) {
  messages.forEach((message, index) => {
    if (message.role !== 'assistant' || typeof message.content === 'string') return;
    const ids = message.content.flatMap((block) => (block.type === 'tool_use' ? [block.id] : []));
    const answered = toolResults(messages[index + 1]).map((result) => result.tool_use_id);
    expect(answered).toEqual(expect.arrayContaining(ids));
  });
}

it('runs a scripted task in the real sandbox: writes and edits a file, runs a command, keeps the plan, reports spend', async () => {
  const people = await agentSession('Agent edits');
  const request = script([
    {
      kind: 'stream',
      stopReason: 'tool_use',
      blocks: [
        { type: 'text', text: 'I will write a note and plan the work.' },
        { type: 'tool_use', name: 'update_plan', input: { steps: [{ title: 'Write the note', status: 'in_progress' }] } },
        { type: 'tool_use', name: 'write_file', input: { path: 'notes/hello.txt', content: 'hello from the agent\n' } },
      ],
    },
    toolReply('edit_file', { path: 'notes/hello.txt', old_string: 'not in the file', new_string: 'x' }),
    toolReply('edit_file', { path: 'notes/hello.txt', old_string: 'hello', new_string: 'HELLO' }),
    toolReply('bash', { command: 'cat notes/hello.txt && whoami' }),
    toolReply('read_file', { path: 'src/slugify.js', start_line: 8, end_line: 9 }),
    textReply('The note says HELLO. All done.'),
  ]);

  const started = await people.send(people.ada.token, 'Write a note, then shout it.', 'prompt');
  expect(started).toMatchObject({ status: 201, body: { outcome: 'started' } });
  await people.runEnded();

  expect(people.agent()).toMatchObject({ state: 'done', turns: 6, inputTokens: 600, outputTokens: 120, startedBy: 'Ada', model: 'claude-test' });
  expect(people.agent()!.costUsd).toBeGreaterThan(0);
  expect(fake.requests.at(-1)!.apiKey).toBe(FAKE_API_KEY);
  expect(fake.requests.at(-1)!.body.tools?.map((tool) => ('name' in tool ? tool.name : '?'))).toEqual(['bash', 'read_file', 'write_file', 'edit_file', 'list_files', 'grep', 'update_plan']);
  expect(userTexts(request(0))[0]).toBe('[Ada asks]\nWrite a note, then shout it.');

  // An invalid edit comes back to the model as an error it can act on, and the run goes on.
  const notFound = toolResults(request(2).at(-1))[0]!;
  expect(notFound).toMatchObject({ is_error: true });
  expect(String(notFound.content)).toContain('old_string was not found in notes/hello.txt');
  expect(String(toolResults(request(4).at(-1))[0]!.content)).toContain('HELLO from the agent\ntandem\n[exit code 0]');
  expect(String(toolResults(request(5).at(-1))[0]!.content)).toContain('8\texport function slugify(title) {');

  const calls = toolCalls(people.transcript());
  expect(calls.map((call) => [call.name, call.status])).toEqual([
    ['update_plan', 'done'],
    ['write_file', 'done'],
    ['edit_file', 'error'],
    ['edit_file', 'done'],
    ['bash', 'done'],
    ['read_file', 'done'],
  ]);
  expect(calls[1]).toMatchObject({ files: ['notes/hello.txt'], input: expect.stringContaining('notes/hello.txt') });
  expect(calls[4]!.durationMs).toBeGreaterThanOrEqual(0);
  const texts = people.transcript().filter((entry) => entry.kind === 'assistant-text');
  expect(texts.map((entry) => entry.text)).toEqual(['I will write a note and plan the work.', 'The note says HELLO. All done.']);
  expect(texts.every((entry) => entry.kind === 'assistant-text' && !entry.streaming)).toBe(true);
  expect(readPlan(people.watcher.doc)).toMatchObject([{ title: 'Write the note', status: 'in_progress' }]);
  expect(people.transcript().at(-1)).toMatchObject({ kind: 'system-notice', text: 'The agent finished.' });
  // The session list shows how the run ended.
  expect(readMeta(people.watcher.doc).status).toBe('done');
  const listed = await shared.api.call<SessionListResponse>('GET', '/sessions', people.ada.token);
  expect(listed.body.sessions.find((session) => session.id === people.sessionId)?.status).toBe('done');
});

it('delivers a steer at the next tool boundary, with its author, and keeps two people’s messages in order', { timeout: MULTI_STEP_TIMEOUT_MS }, async () => {
  const people = await agentSession('Steering');
  // The tool runs until the test lets it finish, so every steer below arrives while it runs.
  const request = script([toolReply('bash', { command: waitForFileThenEcho('first-step-may-end', 'first-step') }), textReply('Checked both.')]);
  await people.send(people.ada.token, 'Run the first step.', 'prompt');
  await waitFor(() => toolCalls(people.transcript())[0]?.status === 'running', 'the tool to run', 15_000);

  expect((await people.send(people.bob.token, 'Also check the second step.', 'steer')).body.outcome).toBe('queued');
  expect((await people.send(people.ada.token, 'And the third.', 'steer')).body.outcome).toBe('queued');
  // A queued message can be taken back by its author or the owner, by nobody else.
  const dropped = await people.send(people.bob.token, 'Never mind this one.', 'queue');
  const cancel = (token: string) => shared.api.call('DELETE', `/sessions/${people.sessionId}/queue/${dropped.body.entryId}`, token);
  expect((await cancel(people.vic.token)).status).toBe(403);
  expect((await cancel(people.bob.token)).status).toBe(204);
  expect((await cancel(people.ada.token)).status).toBe(404);
  expect(readQueue(await people.serverView()).map((item) => [item.authorName, item.delivery])).toEqual([
    ['Bob', 'steer'],
    ['Ada', 'steer'],
  ]);
  await people.inSandbox('touch first-step-may-end');
  await people.runEnded();

  const second = request(1);
  const lastTurn = second.at(-1)!;
  expect(toolResults(lastTurn)[0]!.content).toContain('first-step');
  expect(userTexts([lastTurn])).toEqual(['[Bob steers while you work]\nAlso check the second step.', '[Ada steers while you work]\nAnd the third.']);
  expect(readQueue(people.watcher.doc)).toEqual([]);
  // The transcript shows the steers where the agent received them: after the tool call.
  const kinds = people.transcript().map((entry) => (entry.kind === 'user-message' ? `${entry.authorName}:${entry.delivery}` : entry.kind));
  expect(kinds.slice(kinds.indexOf('tool-call'))).toEqual(['tool-call', 'Bob:steer', 'Ada:steer', 'assistant-text', 'system-notice']);
});

it('interrupts mid-stream: the dangling tool call is closed with who interrupted, and the run continues with the message', { timeout: MULTI_STEP_TIMEOUT_MS }, async () => {
  const people = await agentSession('Interrupt');
  const interrupted = gate();
  const request = script([
    {
      kind: 'stream',
      stopReason: 'tool_use',
      blocks: [
        { type: 'text', text: 'Let me rewrite everything from scratch.' },
        { type: 'tool_use', id: 'toolu_dangling', name: 'write_file', input: { path: 'src/slugify.js', content: 'x'.repeat(300) } },
      ],
      // message_start, the text block (start, delta, stop), the tool call's start: then it holds until the interrupt.
      pause: { afterEvents: 5, until: interrupted.opened },
    },
    textReply('Understood, leaving slugify alone.'),
  ]);
  await people.send(people.ada.token, 'Improve slugify.', 'prompt');
  await waitFor(() => toolCalls(people.transcript())[0]?.status === 'pending', 'the tool call to start streaming', 15_000);

  expect((await people.send(people.bob.token, 'Stop, do not rewrite it.', 'interrupt')).body.outcome).toBe('interrupted');
  interrupted.open();
  await people.runEnded();

  const messages = request(1);
  expectEveryToolUseAnswered(messages);
  const answer = toolResults(messages.at(-1))[0]!;
  expect(answer).toMatchObject({ tool_use_id: 'toolu_dangling', is_error: true, content: 'Interrupted by Bob before this tool call ran.' });
  expect(userTexts([messages.at(-1)!])).toEqual(['[Bob interrupted you]\nStop, do not rewrite it.']);
  expect(toolCalls(people.transcript())[0]).toMatchObject({ status: 'error', output: 'Not run: interrupted by Bob.' });
  expect(people.agent()).toMatchObject({ state: 'done', turns: 2 });
  // The file was never written.
  const sandbox = await shared.server.runtime!.ensureStarted(people.sessionId);
  expect(new TextDecoder().decode(await sandbox.sandbox.readFile('src/slugify.js'))).toContain('export function slugify');
});

it('runs a queued message after the current turn ends, and a stop ends the run for everyone', { timeout: MULTI_STEP_TIMEOUT_MS }, async () => {
  const people = await agentSession('Queue and stop');
  const followUpQueued = gate();
  const request = script([
    // message_start, the block's start, its first five characters: then it holds until Bob has queued.
    textReply('Thinking about the first request for a while.', { chunkChars: 5, pause: { afterEvents: 3, until: followUpQueued.opened } }),
    // Runs until someone stops it (the test's own timeout is shorter).
    toolReply('bash', { command: 'sleep 120' }),
  ]);
  await people.send(people.ada.token, 'First request.', 'prompt');
  await waitFor(() => people.transcript().some((entry) => entry.kind === 'assistant-text' && entry.text.length > 0), 'tokens to stream', 15_000);
  expect((await people.send(people.bob.token, 'Then run the slow thing.', 'queue')).body.outcome).toBe('queued');
  followUpQueued.open();

  await waitFor(() => toolCalls(people.transcript())[0]?.status === 'running', 'the queued turn to run its tool', 15_000);
  const second = request(1);
  expect(second.at(-2)).toMatchObject({ role: 'assistant', content: [{ type: 'text', text: 'Thinking about the first request for a while.' }] });
  expect(userTexts([second.at(-1)!])).toEqual(['[Bob follows up]\nThen run the slow thing.']);

  // A viewer may neither steer nor stop.
  expect((await people.send(people.vic.token, 'Viewer steering', 'steer')).status).toBe(403);
  expect((await shared.api.call('POST', `/sessions/${people.sessionId}/agent/stop`, people.vic.token)).status).toBe(403);
  expect(readQueue(people.watcher.doc)).toEqual([]);

  const stopped = await shared.api.call('POST', `/sessions/${people.sessionId}/agent/stop`, people.bob.token);
  expect(stopped).toMatchObject({ status: 200, body: { stopped: true } });
  await people.runEnded();
  expect(people.agent()).toMatchObject({ state: 'stopped', message: 'Bob stopped the run.' });
  await waitFor(() => toolCalls(people.transcript())[0]?.status === 'error', 'the running tool call to be closed');
  expect(toolCalls(people.transcript())[0]).toMatchObject({ status: 'error', output: 'Interrupted by Bob while bash was running.' });
});

it('retries overloaded and failing model calls within the budget, shows each retry, and gives up with a clear message', async () => {
  const people = await agentSession('Retries');
  script([
    { kind: 'http-error', status: 529, type: 'overloaded_error' },
    textReply('Half a reply', { failAfterEvents: 3 }),
    textReply('Made it after two retries.'),
  ]);
  await people.send(people.ada.token, 'Say something.', 'prompt');
  await people.runEnded();
  expect(people.agent()).toMatchObject({ state: 'done' });
  const notices = people.transcript().filter((entry) => entry.kind === 'system-notice' && entry.level === 'warning');
  expect(notices.map((entry) => entry.kind === 'system-notice' && entry.text)).toEqual([
    expect.stringMatching(/overloaded \(529\)\. Retrying in 0\.0 s \(retry 1 of 2\)/),
    expect.stringMatching(/stream failed \(overloaded_error\)\. Retrying in 0\.0 s \(retry 2 of 2\)/),
  ]);
  // The half reply of the failed attempt is gone; only the good one stays.
  expect(people.transcript().filter((entry) => entry.kind === 'assistant-text').map((entry) => entry.kind === 'assistant-text' && entry.text)).toEqual([
    'Made it after two retries.',
  ]);

  const before = fake.requests.length;
  fake.setScript(() => ({ kind: 'http-error', status: 500, type: 'api_error' }));
  await people.send(people.ada.token, 'Try again.', 'prompt');
  await people.runEnded();
  expect(fake.requests.length - before).toBe(3);
  expect(people.agent()).toMatchObject({ state: 'failed', message: 'The run stopped: the model API failed (500); gave up after 2 retries.' });
});

it('cuts a model stream that goes quiet and retries it', async () => {
  const people = await agentSession('Stalled stream');
  script([textReply('This reply stalls after its first event.', { eventDelayMs: 3_000 }), textReply('The retry streamed fine.')]);
  await people.send(people.ada.token, 'Say something.', 'prompt');
  await people.runEnded();
  expect(people.agent()).toMatchObject({ state: 'done' });
  const warnings = people.transcript().filter((entry) => entry.kind === 'system-notice' && entry.level === 'warning');
  expect(warnings.map((entry) => entry.kind === 'system-notice' && entry.text)).toEqual([expect.stringContaining('the model stream sent nothing for 1 s')]);
  const texts = people.transcript().filter((entry) => entry.kind === 'assistant-text');
  expect(texts.map((entry) => entry.kind === 'assistant-text' && entry.text)).toEqual(['The retry streamed fine.']);
});

it('without an API key the agent says how to turn it on, and chat still works', async () => {
  const noKeyDir = await makeTempDir('agent-nokey');
  const plain = await startTestServer(noKeyDir, { database: shared.server.database });
  try {
    const client = apiClient(plain.url);
    const info = await client.call<ServerInfoResponse>('GET', '/info');
    expect(info.body.agent).toMatchObject({ configured: false });
    const ada = await client.identity('Ada');
    const sessionId = await client.createSession(ada.token, 'No key', EXAMPLE_REPO);
    const refused = await client.call<{ error: { code: string; message: string } }>('POST', `/sessions/${sessionId}/messages`, ada.token, { text: 'Fix it', delivery: 'prompt' });
    expect(refused.status).toBe(503);
    expect(refused.body.error).toMatchObject({ code: 'agent_unavailable', message: expect.stringContaining('ANTHROPIC_API_KEY') });
    const chat = await client.call<PostMessageResponse>('POST', `/sessions/${sessionId}/messages`, ada.token, { text: 'Hello people' });
    expect(chat).toMatchObject({ status: 201, body: { outcome: 'posted' } });
  } finally {
    await plain.close();
    await rm(noKeyDir, { recursive: true, force: true });
  }
});

it('caps a long tool output for the model and the doc, and keeps the whole of it in the store', async () => {
  const people = await agentSession('Long output');
  const request = script([toolReply('bash', { command: 'seq 1 20000' }, '', {}), textReply('Counted.')]);
  await people.send(people.ada.token, 'Count to 20000.', 'prompt');
  await people.runEnded();

  const toModel = String(toolResults(request(1).at(-1))[0]!.content);
  expect(toModel.length).toBeLessThan(31_000);
  expect(toModel).toContain('characters cut');
  const call = toolCalls(people.transcript())[0]!;
  expect(call).toMatchObject({ status: 'done', outputTruncated: true });
  expect(call.output!.length).toBeLessThan(9_000);

  const stored = await fetch(`${shared.server.url}/api/sessions/${people.sessionId}/tool-calls/${call.id}/output`, { headers: { authorization: `Bearer ${people.vic.token}` } });
  expect(stored.status).toBe(200);
  const whole = await stored.text();
  expect(whole.split('\n').slice(0, 20000)).toEqual(Array.from({ length: 20000 }, (_, index) => String(index + 1)));
  expect(whole.endsWith('[exit code 0]')).toBe(true);
  const stranger = await shared.api.identity('Mallory');
  expect((await fetch(`${shared.server.url}/api/sessions/${people.sessionId}/tool-calls/${call.id}/output`, { headers: { authorization: `Bearer ${stranger.token}` } })).status).toBe(403);
});
