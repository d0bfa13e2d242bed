import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { enqueueMessage, readTranscript } from '@tandem/shared/doc/accessors.js';
import { Origin } from '@tandem/shared/doc/origins.js';
import type { ToolCallEntry } from '@tandem/shared/doc/schema.js';
import { MAX_TOOL_INPUT_DOC_CHARS, MAX_TOOL_OUTPUT_DOC_CHARS } from '@tandem/shared/limits.js';
import { Steering } from './steering.js';
import { TranscriptWriter } from './transcript-writer.js';

function writerOnDoc() {
  const doc = new Y.Doc();
  const origins: unknown[] = [];
  doc.on('update', (_update: Uint8Array, origin: unknown) => origins.push(origin));
  const stored = new Map<string, string>();
  const writer = new TranscriptWriter({
    change: async (apply) => apply(doc),
    storeToolOutput: async (id, output) => void stored.set(id, output),
    logger: { error: () => {} },
  });
  return { doc, origins, stored, writer };
}

const toolCall = (doc: Y.Doc) => readTranscript(doc).find((entry): entry is ToolCallEntry => entry.kind === 'tool-call')!;

describe('the transcript writer', () => {
  it('redacts a tool output before capping it, keeps the whole in the store, and tags every write as the agent', async () => {
    const { doc, origins, stored, writer } = writerOnDoc();
    await writer.startToolCall({ id: 't1', runId: 'r1', turn: 1, name: 'bash' });
    await writer.toolInput('t1', 'x'.repeat(MAX_TOOL_INPUT_DOC_CHARS + 50));
    const output = `token=SECRET ${'y'.repeat(3 * MAX_TOOL_OUTPUT_DOC_CHARS)}`;
    const sent = await writer.finishToolCall('t1', { output, isError: false }, Date.now(), (text) => text.replaceAll('SECRET', '[redacted]'));
    expect(sent.output.startsWith('token=[redacted] ')).toBe(true);
    const entry = toolCall(doc);
    expect(entry.input.length).toBeLessThanOrEqual(MAX_TOOL_INPUT_DOC_CHARS + 100);
    expect(entry.output!.length).toBeLessThan(output.length);
    expect(entry.outputTruncated).toBe(true);
    expect(entry.output).not.toContain('SECRET');
    expect(stored.get('t1')).toBe(sent.output);
    expect(origins.length).toBeGreaterThan(0);
    expect(origins.every((origin) => origin === Origin.agent)).toBe(true);
  });

  it('writes a streamed turn and takes a failed attempt back', async () => {
    const { doc, writer } = writerOnDoc();
    const stream = writer.turnStream('r1', 1, 1);
    stream.handlers.onTextStart(0);
    stream.handlers.onTextDelta(0, 'Hello');
    stream.handlers.onToolUseStart(1, { id: 't1', name: 'bash' });
    await stream.finish();
    expect(readTranscript(doc).map((entry) => entry.kind)).toEqual(['assistant-text', 'tool-call']);
    await writer.remove(stream.written);
    expect(readTranscript(doc)).toEqual([]);
  });
});

describe('steering', () => {
  // One queued message at a time: with two, takeQueuedMessages walks the queue from its end, so the
  // newer is delivered first (as before this split; see the issue 18 note).
  it('delivers steers at a tool boundary and, when the turn ends, a queued message; an empty queue finishes in the same step', async () => {
    const { doc, writer } = writerOnDoc();
    const steering = new Steering(writer);
    const message = (id: string, delivery: 'steer' | 'queue') => ({ id, authorId: 'u', authorName: 'Ada', text: id, delivery, createdAt: 1 });
    for (const [id, delivery] of [['q1', 'queue'], ['s1', 'steer']] as const) enqueueMessage(doc, message(id, delivery), Origin.server);
    expect((await steering.takeSteers()).map((taken) => taken.id)).toEqual(['s1']);
    let finished = false;
    enqueueMessage(doc, message('s2', 'steer'), Origin.server);
    expect((await steering.takeNext(() => (finished = true))).map((taken) => taken.id)).toEqual(['q1', 's2']);
    expect(finished).toBe(false);
    expect(await steering.takeNext(() => (finished = true))).toEqual([]);
    expect(finished).toBe(true);
    expect(readTranscript(doc).map((entry) => entry.kind === 'user-message' && entry.text)).toEqual(['s1', 'q1', 's2']);
  });

  it('an interrupt cuts only the current turn; a stop ends the run and names the first who stopped it', () => {
    const steering = new Steering(writerOnDoc().writer);
    steering.interrupt({ id: 'm', authorId: 'u', authorName: 'Bob', text: 'wait', delivery: 'interrupt' });
    expect(steering.turnSignal.aborted).toBe(true);
    expect(steering.interrupterNames()).toBe('Bob');
    steering.startTurn();
    expect(steering.turnSignal.aborted).toBe(false);
    steering.stop('Ada');
    steering.stop('Cy');
    expect(steering.runSignal.aborted && steering.turnSignal.aborted).toBe(true);
    expect(steering.stoppedBy).toBe('Ada');
  });
});
