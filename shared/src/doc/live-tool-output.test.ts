import * as Y from 'yjs';
import { expect, it } from 'vitest';
import { appendLiveToolOutput, appendTranscriptEntry, clearLiveToolOutput, readTranscript, updateToolCall } from './accessors.js';
import { Origin } from './origins.js';

function runningCall(doc: Y.Doc) {
  appendTranscriptEntry(doc, { kind: 'tool-call', id: 't1', runId: 'r1', name: 'bash', input: '{"command":"make"}', status: 'running', startedAt: 5, createdAt: 1 }, Origin.agent);
  return () => readTranscript(doc)[0]!;
}

it('a running call’s live output grows as batches arrive, and a late joiner gets it from the doc', () => {
  const doc = new Y.Doc();
  const entry = runningCall(doc);
  expect(appendLiveToolOutput(doc, 't1', 'compiling a\n', 100, Origin.agent)).toBe(true);
  appendLiveToolOutput(doc, 't1', 'compiling b\n', 100, Origin.agent);
  expect(entry()).toMatchObject({ status: 'running', startedAt: 5, liveOutput: 'compiling a\ncompiling b\n' });
  expect(entry()).not.toHaveProperty('liveOutputCut');
  expect(appendLiveToolOutput(doc, 'missing', 'x', 100, Origin.agent)).toBe(false);
  // One batch bigger than the cap on its own is cut too, and says so.
  const other = new Y.Doc();
  const otherEntry = runningCall(other);
  appendLiveToolOutput(other, 't1', `${'y'.repeat(150)}\nlast line\n`, 100, Origin.agent);
  expect(otherEntry()).toMatchObject({ liveOutputCut: true });
  expect((otherEntry() as { liveOutput: string }).liveOutput).toMatch(/^y+\nlast line\n$/);

  const late = new Y.Doc();
  Y.applyUpdate(late, Y.encodeStateAsUpdate(doc));
  expect(readTranscript(late)[0]).toMatchObject({ liveOutput: 'compiling a\ncompiling b\n' });
});

it('keeps only the newest characters, starting at a whole line, says it cut, and sends peers only what changed', () => {
  const doc = new Y.Doc();
  const entry = runningCall(doc);
  const peer = new Y.Doc();
  Y.applyUpdate(peer, Y.encodeStateAsUpdate(doc));
  const updateBytes: number[] = [];
  doc.on('update', (update: Uint8Array) => {
    updateBytes.push(update.byteLength);
    Y.applyUpdate(peer, update);
  });
  for (let line = 1; line <= 400; line += 1) appendLiveToolOutput(doc, 't1', `line ${String(line).padStart(3, '0')}\n`, 200, Origin.agent);
  const live = entry().kind === 'tool-call' ? (entry() as { liveOutput: string }).liveOutput : '';
  expect(live.length).toBeLessThanOrEqual(200);
  expect(live.startsWith('line ')).toBe(true);
  expect(live.endsWith('line 400\n')).toBe(true);
  expect(entry()).toMatchObject({ liveOutputCut: true });
  expect(readTranscript(peer)[0]).toMatchObject({ liveOutput: live, liveOutputCut: true });
  // Each batch travels as a small delta, not the whole tail again.
  expect(Math.max(...updateBytes.slice(-100))).toBeLessThan(80);
  // One batch bigger than the cap keeps its end.
  appendLiveToolOutput(doc, 't1', 'x'.repeat(500) + 'END', 200, Origin.agent);
  expect((entry() as { liveOutput: string }).liveOutput).toMatch(/x{197}END$/);
});

it('ends with the final output: the live text goes, the result stays', () => {
  const doc = new Y.Doc();
  const entry = runningCall(doc);
  appendLiveToolOutput(doc, 't1', 'x'.repeat(300), 100, Origin.agent);
  updateToolCall(doc, 't1', { status: 'done', output: 'all built', durationMs: 12 }, Origin.agent);
  clearLiveToolOutput(doc, 't1', Origin.agent);
  expect(entry()).toMatchObject({ status: 'done', output: 'all built' });
  expect(entry()).not.toHaveProperty('liveOutput');
  expect(entry()).not.toHaveProperty('liveOutputCut');
});
