import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import {
  addLiveFile,
  addPlanStep,
  appendAssistantDelta,
  appendAssistantText,
  appendTranscriptEntry,
  enqueueMessage,
  finishAssistantText,
  readNetworkDenials,
  readPlan,
  readTranscript,
  recordNetworkDenial,
  updatePlanStep,
  updateToolCall,
  writeMeta,
} from './accessors.js';
import { Origin, personOrigin } from './origins.js';
import { readRun, writeRun } from './run-accessors.js';
import { setDocTextGuard, type DocTextGuard } from './text-guard.js';

/** A person writing from their own tab. */
const AS_PERSON = personOrigin({ id: 'u_person', name: 'A person' });

const SECRET = 'hunter2-hunter2';

/** A guard that hides SECRET, holding back a stream's end that could begin it (as the server's redactor does). */
const guard: DocTextGuard = {
  text: (value) => value.split(SECRET).join('[secret S]'),
  stream() {
    let held = '';
    return {
      push(chunk) {
        const text = (held + chunk).split(SECRET).join('[secret S]');
        let keep = 0;
        for (let length = Math.min(SECRET.length - 1, text.length); length > 0; length -= 1) {
          if (SECRET.startsWith(text.slice(-length))) {
            keep = length;
            break;
          }
        }
        held = text.slice(text.length - keep);
        return text.slice(0, text.length - keep);
      },
      flush: () => held,
    };
  },
};

function guardedDoc(): { doc: Y.Doc; updates: Uint8Array[] } {
  const doc = new Y.Doc();
  setDocTextGuard(doc, guard);
  const updates: Uint8Array[] = [];
  doc.on('update', (update: Uint8Array) => updates.push(update));
  return { doc, updates };
}

const leaks = (updates: Uint8Array[]) => Buffer.concat(updates).toString('latin1').includes(SECRET);

describe('the doc text guard', () => {
  it('passes every string the accessors write, however deep, and no update carries the value', () => {
    const { doc, updates } = guardedDoc();
    writeMeta(doc, { title: `about ${SECRET}` }, Origin.agent);
    appendTranscriptEntry(doc, { kind: 'system-notice', id: 'n1', level: 'info', text: `saw ${SECRET}`, createdAt: 1 }, Origin.agent);
    appendTranscriptEntry(doc, { kind: 'tool-call', id: 't1', runId: 'r', name: 'bash', input: '', status: 'pending', createdAt: 1 }, Origin.agent);
    updateToolCall(doc, 't1', { input: JSON.stringify({ command: `echo ${SECRET}` }), output: SECRET }, Origin.agent);
    addPlanStep(doc, { id: 'p1', title: `Rotate ${SECRET}` }, Origin.agent);
    updatePlanStep(doc, 'p1', { note: `still ${SECRET}` }, Origin.agent);
    enqueueMessage(doc, { id: 'q1', authorId: 'u', authorName: 'Ada', text: SECRET, delivery: 'queue', createdAt: 1 }, AS_PERSON);
    recordNetworkDenial(doc, { host: `${SECRET}.example`, port: 443, phase: 'session', reason: `refused ${SECRET}.example`, lastAt: 1 }, Origin.sandbox);
    writeRun(doc, { id: 'run1', blueprint: 'fix', goal: `fix ${SECRET}`, state: 'running', startedBy: 'Ada', startedAt: 1, nodes: [] }, Origin.agent);

    expect(JSON.stringify(readTranscript(doc))).toContain('saw [secret S]');
    expect(readPlan(doc)[0]).toMatchObject({ title: 'Rotate [secret S]', note: 'still [secret S]' });
    expect(readNetworkDenials(doc)[0]!.host).toBe('[secret S].example');
    expect([...doc.getMap('network').keys()]).toEqual(['[secret S].example:443']);
    expect(JSON.stringify(doc.toJSON())).not.toContain(SECRET);
    expect(readRun(doc)?.goal).toBe('fix [secret S]');
    expect(leaks(updates)).toBe(false);
  });

  it('catches a value the model streams across deltas, and shows the held-back end when the text finishes', () => {
    const { doc, updates } = guardedDoc();
    appendAssistantText(doc, { id: 'a1', runId: 'r', createdAt: 1 }, Origin.agent);
    const reply = `The key is ${SECRET}, and that ends with hunt`;
    for (let index = 0; index < reply.length; index += 4) appendAssistantDelta(doc, 'a1', reply.slice(index, index + 4), Origin.agent);
    finishAssistantText(doc, 'a1', Origin.agent);
    const entry = readTranscript(doc)[0]!;
    expect(entry.kind === 'assistant-text' && entry.text).toBe('The key is [secret S], and that ends with hunt');
    expect(leaks(updates)).toBe(false);
  });

  it('leaves files alone (their text is the workspace’s, synced both ways) and unguarded docs as they were', () => {
    const { doc } = guardedDoc();
    expect(addLiveFile(doc, 'a.txt', SECRET, Origin.sandbox).toString()).toBe(SECRET);
    const plain = new Y.Doc();
    addPlanStep(plain, { id: 'p', title: SECRET }, AS_PERSON);
    expect(readPlan(plain)[0]!.title).toBe(SECRET);
  });
});
