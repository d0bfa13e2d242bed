import { performance } from 'node:perf_hooks';
import Anthropic from '@anthropic-ai/sdk';
import type * as Y from 'yjs';
import { readAgentState, readTranscript } from '@tandem/shared/doc/accessors.js';
import { streamTurn } from '../server/src/model/stream-turn.js';
import { FAKE_API_KEY, startFakeAnthropic, textReply, toolReply, type FakeAnthropic } from '../server/test-support/fake-anthropic.js';
import { createLocalSandboxHarness, EXAMPLE_REPO } from '../server/test-support/local-sandbox.js';
import { TandemServer } from '../server/test-support/server-process.js';
import { apiClient, connectPeer, waitFor } from '../server/test-support/test-server.js';
import { report, summarize } from './stats.js';

/**
 * The agent loop, with the server in its own process and the model a local fake Messages API reached
 * through the real SDK: (1) what the loop adds per tool call over a bare sandbox exec and a bare SDK
 * turn; (2) the latency from a model token leaving the API to every one of 5 connected viewers.
 */
const TOOL_CALLS = 60;
const VIEWERS = 5;
const TOKENS = 300;
const TOKEN_CHARS = 8;
const TOKEN_INTERVAL_MS = 10;
/** A bound on one run; 60 tool calls with paired samples take minutes when other work loads the machine. */
const RUN_TIMEOUT_MS = 600_000;

async function startAgentServer(fake: FakeAnthropic) {
  const server = await TandemServer.create({ ANTHROPIC_API_KEY: FAKE_API_KEY, ANTHROPIC_BASE_URL: fake.url, TANDEM_AGENT_MAX_TURNS: '500' });
  await server.start();
  const api = apiClient(server.url);
  const ada = await api.identity('Bench');
  return { server, api, ada };
}


async function runAndWait(api: ReturnType<typeof apiClient>, token: string, sessionId: string, watcher: Y.Doc, text: string) {
  const runBefore = readAgentState(watcher)?.runId;
  const response = await api.call('POST', `/sessions/${sessionId}/messages`, token, { text, delivery: 'prompt' });
  if (response.status !== 201) throw new Error(`could not start a run: ${JSON.stringify(response.body)}`);
  const ended = () => {
    const state = readAgentState(watcher);
    return state?.runId !== runBefore && ['done', 'failed', 'stopped'].includes(state?.state ?? '');
  };
  await waitFor(ended, 'the run to end', RUN_TIMEOUT_MS);
  const state = readAgentState(watcher);
  if (state?.state !== 'done') throw new Error(`run ended ${state?.state}: ${state?.message}`);
}

/** The model name the bare SDK turns use, so the fake's script can tell them from the loop's requests. */
const BARE_MODEL = 'bench-bare';

/**
 * Paired samples: while the fake holds the loop's request for tool call i, the bench takes one bare
 * sandbox exec and one bare SDK turn of the same tool call (same machine, same moment, same load);
 * then the fake answers and the loop's interval for call i runs from that answer to its next request.
 * Call i's overhead = its interval − its bare exec − its bare SDK turn, one sample per call.
 */
async function benchToolOverhead(fake: FakeAnthropic): Promise<void> {
  const harness = await createLocalSandboxHarness();
  const sandbox = await harness.open();
  const client = new Anthropic({ apiKey: FAKE_API_KEY, baseURL: fake.url, maxRetries: 0 });
  const bareTurn = () => streamTurn(client, { model: BARE_MODEL, max_tokens: 100, messages: [{ role: 'user', content: 'go' }] }, {}, new AbortController().signal);
  const { server, api, ada } = await startAgentServer(fake);
  try {
    const sessionId = await api.createSession(ada.token, 'Tool overhead bench', EXAMPLE_REPO);
    const watcher = connectPeer(server.url, sessionId, ada.token);
    await waitFor(() => watcher.provider.synced, 'sync', 10_000);
    // Warm-up run: boots the sandbox and loads the code paths (the bare paths too).
    fake.setScript((_request, index) => (index % 3 < 2 ? toolReply('bash', { command: 'true' }) : textReply('warm')));
    await runAndWait(api, ada.token, sessionId, watcher.doc, 'warm up');
    for (let index = 0; index < 5; index += 1) {
      await sandbox.exec('true');
      await bareTurn();
    }

    const loopReceivedAt: number[] = [];
    const loopAnsweredAt: number[] = [];
    const bareExec: number[] = [];
    const bareSdk: number[] = [];
    fake.setScript(async (request) => {
      if (request.body.model === BARE_MODEL) return toolReply('bash', { command: 'true' });
      const call = loopReceivedAt.push(request.receivedAtMs) - 1;
      if (call >= TOOL_CALLS) return textReply('done');
      let started = performance.now();
      await sandbox.exec('true');
      bareExec.push(performance.now() - started);
      started = performance.now();
      await bareTurn();
      bareSdk.push(performance.now() - started);
      loopAnsweredAt.push(performance.now());
      return toolReply('bash', { command: 'true' });
    });
    await runAndWait(api, ada.token, sessionId, watcher.doc, 'measure');
    const intervals = loopAnsweredAt.map((answeredAt, call) => loopReceivedAt[call + 1]! - answeredAt);
    // How long each tool call itself took inside the server (status running → done, whole ms).
    const inServer = readTranscript(watcher.doc)
      .flatMap((entry) => (entry.kind === 'tool-call' && entry.durationMs !== undefined ? [entry.durationMs] : []))
      .slice(-TOOL_CALLS);
    watcher.provider.destroy();
    if (intervals.length !== TOOL_CALLS || inServer.length !== TOOL_CALLS) throw new Error(`expected ${TOOL_CALLS} timed tool calls, got ${intervals.length} and ${inServer.length}`);

    const interval = summarize(intervals);
    const overhead = summarize(intervals.map((ms, call) => ms - bareExec[call]! - bareSdk[call]!));
    const loopWork = summarize(intervals.map((ms, call) => ms - inServer[call]! - bareSdk[call]!));
    await report(
      'agent-tool-overhead',
      [
        { metric: 'loop: model answers → next model request (one tool call), p50', value: interval.p50, unit: 'ms' },
        { metric: 'loop: model answers → next model request (one tool call), p95', value: interval.p95, unit: 'ms' },
        { metric: 'bare sandbox exec, taken beside each call, p50', value: summarize(bareExec).p50, unit: 'ms' },
        { metric: 'bare SDK tool turn, taken beside each call, p50', value: summarize(bareSdk).p50, unit: 'ms' },
        { metric: 'tool call inside the loop (status running → done), p50', value: summarize(inServer).p50, unit: 'ms' },
        { metric: 'overhead per call: its interval − its bare exec − its bare SDK turn, p50', value: overhead.p50, unit: 'ms' },
        { metric: 'overhead per call: its interval − its bare exec − its bare SDK turn, p95', value: overhead.p95, unit: 'ms' },
        { metric: 'overhead per call: its interval − its bare exec − its bare SDK turn, max', value: overhead.max, unit: 'ms' },
        { metric: '… of which the loop’s own work: its interval − its tool time − its bare SDK turn, p50', value: loopWork.p50, unit: 'ms' },
        { metric: '… of which the loop’s own work: its interval − its tool time − its bare SDK turn, p95', value: loopWork.p95, unit: 'ms' },
      ],
      {
        toolCalls: TOOL_CALLS,
        command: 'true',
        note:
          'one sample per tool call: the loop interval of that call minus a bare exec and a bare SDK turn taken right before it (paired), ' +
          'so the percentiles are of per-call overhead (doc writes, persistence, state, tool dispatch), not differences of percentiles. ' +
          'Tool time inside the server is whole milliseconds (Date.now).',
      },
    );
  } finally {
    await server.dispose();
    await sandbox.close();
    await harness.dispose();
  }
}

async function benchTokenLatency(fake: FakeAnthropic): Promise<void> {
  const { server, api, ada } = await startAgentServer(fake);
  try {
    const sessionId = await api.createSession(ada.token, 'Token latency bench', EXAMPLE_REPO);
    const viewers = Array.from({ length: VIEWERS }, () => connectPeer(server.url, sessionId, ada.token));
    await waitFor(() => viewers.every((viewer) => viewer.provider.synced), 'viewers synced', 10_000);
    fake.setScript(() => textReply('warm'));
    await runAndWait(api, ada.token, sessionId, viewers[0]!.doc, 'warm up');

    const sentAt: number[] = [];
    const seenAt = viewers.map(() => [] as number[]);
    const textLength = (doc: Y.Doc) => {
      const last = readTranscript(doc).findLast((entry) => entry.kind === 'assistant-text');
      return last?.kind === 'assistant-text' && last.text.startsWith('t') ? last.text.length : 0;
    };
    viewers.forEach((viewer, index) =>
      viewer.doc.on('update', () => {
        const now = performance.now();
        const tokens = Math.floor(textLength(viewer.doc) / TOKEN_CHARS);
        while (seenAt[index]!.length < tokens) seenAt[index]!.push(now);
      }),
    );
    const text = Array.from({ length: TOKENS }, (_, index) => `t${String(index).padStart(TOKEN_CHARS - 2, '0')} `).join('');
    fake.setScript(() =>
      textReply(text, { chunkChars: TOKEN_CHARS, eventDelayMs: TOKEN_INTERVAL_MS, onTextDeltaSent: (_delta, atMs) => void sentAt.push(atMs) }),
    );
    await runAndWait(api, ada.token, sessionId, viewers[0]!.doc, 'stream');
    await waitFor(() => seenAt.every((seen) => seen.length >= TOKENS), 'every viewer to see every token', 10_000);
    const latencies = sentAt.map((sent, token) => Math.max(...seenAt.map((seen) => seen[token]!)) - sent);
    for (const viewer of viewers) viewer.provider.destroy();

    const latency = summarize(latencies);
    await report(
      'agent-token-latency',
      [
        { metric: `token → all ${VIEWERS} viewers, p50`, value: latency.p50, unit: 'ms' },
        { metric: `token → all ${VIEWERS} viewers, p95`, value: latency.p95, unit: 'ms' },
        { metric: `token → all ${VIEWERS} viewers, p99`, value: latency.p99, unit: 'ms', target: '< 100' },
        { metric: 'max', value: latency.max, unit: 'ms' },
      ],
      { viewers: VIEWERS, tokens: TOKENS, tokenIntervalMs: TOKEN_INTERVAL_MS, note: 'from the fake API writing a text_delta to the doc update that carries it at the last viewer; includes the batching window' },
    );
  } finally {
    await server.dispose();
  }
}

export async function benchAgent(which: 'tool-overhead' | 'token-latency'): Promise<void> {
  const fake = await startFakeAnthropic();
  try {
    if (which === 'tool-overhead') await benchToolOverhead(fake);
    else await benchTokenLatency(fake);
  } finally {
    await fake.close();
  }
}
