import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { MessageCreateParams, MessageParam, StopReason } from '@anthropic-ai/sdk/resources/messages/messages';
import { findMessageRuleViolation } from '../src/agent/message-rules.js';

/**
 * A local stand-in for the Messages API, for tests and benchmarks only: it streams genuine SSE events
 * (message_start, content_block_*, message_delta, message_stop) from a per-test script, so the real
 * @anthropic-ai/sdk client path runs. It can fail with an HTTP status, fail mid-stream, or stream slowly.
 */

export type FakeBlock = { type: 'text'; text: string } | { type: 'tool_use'; id?: string; name: string; input: unknown };

export type FakeReply =
  | {
      kind: 'stream';
      blocks: FakeBlock[];
      stopReason?: StopReason;
      /** Pause between SSE events (a slow stream). */
      eventDelayMs?: number;
      /** Characters per text_delta (default: the whole text at once). */
      chunkChars?: number;
      /** Send an `error` event (overloaded) after this many events, then end the stream. */
      failAfterEvents?: number;
      usage?: { input: number; output: number };
      /** Called as each text delta is written (benchmarks time token delivery from here). */
      onTextDeltaSent?: (text: string, atMs: number) => void;
      /**
       * Holds the stream after `afterEvents` events until `until` settles, so a test acts mid-stream
       * without racing a timer. Meanwhile an empty delta of the open block goes out every
       * PAUSE_KEEPALIVE_MS (as the API sends them), so the stream does not count as gone quiet.
       */
      pause?: { afterEvents: number; until: Promise<unknown> };
    }
  | { kind: 'http-error'; status: number; type: string; message?: string };

export interface RecordedRequest {
  body: MessageCreateParams;
  /** The key as sent, from `x-api-key` or `authorization: Bearer`. */
  apiKey: string | null;
  /** performance.now() in this process when the request arrived. */
  receivedAtMs: number;
}

export type FakeScript = (request: RecordedRequest, index: number) => FakeReply | Promise<FakeReply>;

export const FAKE_API_KEY = 'sk-ant-test-fake-key';
/** Gap between keep-alive deltas of a paused stream: well inside any stream idle timeout a test sets. */
export const PAUSE_KEEPALIVE_MS = 100;

export function textReply(text: string, options: Partial<Extract<FakeReply, { kind: 'stream' }>> = {}): FakeReply {
  return { kind: 'stream', blocks: [{ type: 'text', text }], stopReason: 'end_turn', ...options };
}

export function toolReply(name: string, input: unknown, text = '', options: Partial<Extract<FakeReply, { kind: 'stream' }>> = {}): FakeReply {
  const blocks: FakeBlock[] = text ? [{ type: 'text', text }] : [];
  blocks.push({ type: 'tool_use', name, input });
  return { kind: 'stream', blocks, stopReason: 'tool_use', ...options };
}

/** The plain text of every user turn of a request, for asserting what the model was told. */
export function userTexts(messages: MessageParam[]): string[] {
  const texts: string[] = [];
  for (const message of messages) {
    if (message.role !== 'user') continue;
    if (typeof message.content === 'string') texts.push(message.content);
    else for (const block of message.content) if (block.type === 'text') texts.push(block.text);
  }
  return texts;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function sseEvents(reply: Extract<FakeReply, { kind: 'stream' }>, index: number): Array<{ event: string; data: unknown }> {
  const usage = reply.usage ?? { input: 100, output: 20 };
  const events: Array<{ event: string; data: unknown }> = [
    {
      event: 'message_start',
      data: {
        type: 'message_start',
        message: { id: `msg_fake_${index}`, type: 'message', role: 'assistant', model: 'fake', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: usage.input, output_tokens: 1 } },
      },
    },
  ];
  reply.blocks.forEach((block, blockIndex) => {
    if (block.type === 'text') {
      events.push({ event: 'content_block_start', data: { type: 'content_block_start', index: blockIndex, content_block: { type: 'text', text: '' } } });
      const size = reply.chunkChars ?? Math.max(1, block.text.length);
      for (let offset = 0; offset < block.text.length; offset += size) {
        events.push({ event: 'content_block_delta', data: { type: 'content_block_delta', index: blockIndex, delta: { type: 'text_delta', text: block.text.slice(offset, offset + size) } } });
      }
    } else {
      const id = block.id ?? `toolu_fake_${index}_${blockIndex}`;
      events.push({ event: 'content_block_start', data: { type: 'content_block_start', index: blockIndex, content_block: { type: 'tool_use', id, name: block.name, input: {} } } });
      const json = JSON.stringify(block.input);
      // Split the input JSON the way the API does: several partial_json fragments.
      const third = Math.ceil(json.length / 3);
      for (let offset = 0; offset < json.length; offset += third) {
        events.push({ event: 'content_block_delta', data: { type: 'content_block_delta', index: blockIndex, delta: { type: 'input_json_delta', partial_json: json.slice(offset, offset + third) } } });
      }
    }
    events.push({ event: 'content_block_stop', data: { type: 'content_block_stop', index: blockIndex } });
  });
  events.push({ event: 'message_delta', data: { type: 'message_delta', delta: { stop_reason: reply.stopReason ?? 'end_turn', stop_sequence: null }, usage: { output_tokens: usage.output } } });
  events.push({ event: 'message_stop', data: { type: 'message_stop' } });
  return events;
}

/** A delta that adds nothing to an open block (the API sends such deltas too). */
function emptyDelta(block: { index: number; type: string }) {
  const delta = block.type === 'tool_use' ? { type: 'input_json_delta', partial_json: '' } : { type: 'text_delta', text: '' };
  return { type: 'content_block_delta', index: block.index, delta };
}

export async function startFakeAnthropic(initialScript: FakeScript = () => textReply('Done.')) {
  let script = initialScript;
  const requests: RecordedRequest[] = [];
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const bearer = request.headers.authorization?.match(/^Bearer (.+)$/)?.[1];
    const apiKey = (request.headers['x-api-key'] as string | undefined) ?? bearer ?? null;
    if (request.method !== 'POST' || !request.url?.startsWith('/v1/messages')) {
      response.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ type: 'error', error: { type: 'not_found_error', message: 'not found' } }));
      return;
    }
    if (apiKey !== FAKE_API_KEY) {
      response.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } }));
      return;
    }
    const recorded: RecordedRequest = { body: JSON.parse(await readBody(request)) as MessageCreateParams, apiKey, receivedAtMs: performance.now() };
    const index = requests.push(recorded) - 1;
    // As the real API does, a conversation that breaks the turn rules is refused (and not scripted).
    const violation = findMessageRuleViolation(recorded.body.messages);
    if (violation) {
      response.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ type: 'error', error: { type: 'invalid_request_error', message: `messages: ${violation}` } }));
      return;
    }
    const reply = await script(recorded, index);
    if (reply.kind === 'http-error') {
      response
        .writeHead(reply.status, { 'content-type': 'application/json', 'retry-after': '0' })
        .end(JSON.stringify({ type: 'error', error: { type: reply.type, message: reply.message ?? reply.type } }));
      return;
    }
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    let closed = false;
    response.on('close', () => (closed = true));
    const events = sseEvents(reply, index);
    let openBlock: { index: number; type: string } | null = null;
    for (const [count, { event, data }] of events.entries()) {
      if (closed) return;
      if (reply.pause && count === reply.pause.afterEvents) {
        let resumed = false;
        const resume = () => (resumed = true);
        reply.pause.until.then(resume, resume);
        while (!resumed && !closed) {
          await sleep(PAUSE_KEEPALIVE_MS);
          if (openBlock && !closed) response.write(`event: content_block_delta\ndata: ${JSON.stringify(emptyDelta(openBlock))}\n\n`);
        }
        if (closed) return;
      }
      const block = data as { type: string; index?: number; content_block?: { type: string } };
      if (block.type === 'content_block_start' && block.content_block) openBlock = { index: block.index ?? 0, type: block.content_block.type };
      if (block.type === 'content_block_stop') openBlock = null;
      if (reply.failAfterEvents !== undefined && count === reply.failAfterEvents) {
        response.end(`event: error\ndata: ${JSON.stringify({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } })}\n\n`);
        return;
      }
      response.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      const delta = (data as { delta?: { type?: string; text?: string } }).delta;
      if (delta?.type === 'text_delta' && delta.text) reply.onTextDeltaSent?.(delta.text, performance.now());
      if (reply.eventDelayMs) await sleep(reply.eventDelayMs);
    }
    response.end();
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500).end(String(error));
      else response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    setScript(next: FakeScript) {
      script = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
export type FakeAnthropic = Awaited<ReturnType<typeof startFakeAnthropic>>;
