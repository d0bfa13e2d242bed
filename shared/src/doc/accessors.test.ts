import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { addLiveFile, addPlanStep, liveFileText, readMeta, readPlan, readTranscript, removePlanStep, updatePlanStep, writeFileInfo, writeMeta } from './accessors.js';
import { Origin, personOrigin } from './origins.js';
import { observeSessionDoc, planArray, transcriptArray } from './schema.js';

/** A person writing from their own tab. */
const AS_PERSON = personOrigin({ id: 'u_person', name: 'A person' });

describe('doc accessors', () => {
  it('adds, renames, completes and removes plan steps', () => {
    const doc = new Y.Doc();
    addPlanStep(doc, { id: 'a', title: 'Read the code' }, AS_PERSON);
    addPlanStep(doc, { id: 'b', title: 'Fix it' }, AS_PERSON);
    expect(updatePlanStep(doc, 'a', { title: 'Read the parser', status: 'done' }, AS_PERSON)).toBe(true);
    expect(updatePlanStep(doc, 'missing', { title: 'x' }, AS_PERSON)).toBe(false);
    expect(readPlan(doc).map((step) => [step.title, step.status])).toEqual([
      ['Read the parser', 'done'],
      ['Fix it', 'pending'],
    ]);
    expect(removePlanStep(doc, 'a', AS_PERSON)).toBe(true);
    expect(readPlan(doc).map((step) => step.id)).toEqual(['b']);
  });

  it('skips transcript entries and plan steps a peer wrote with the wrong shape', () => {
    const doc = new Y.Doc();
    const bogus = new Y.Map<unknown>();
    bogus.set('kind', 'user-message');
    bogus.set('text', 42);
    transcriptArray(doc).push([bogus]);
    const stepWithoutId = new Y.Map<unknown>();
    stepWithoutId.set('title', 'no id');
    planArray(doc).push([stepWithoutId]);
    expect(readTranscript(doc)).toEqual([]);
    expect(readPlan(doc)).toEqual([]);
  });

  it('falls back to defaults for meta fields of the wrong type', () => {
    const doc = new Y.Doc();
    writeMeta(doc, { title: 'T', createdAt: 5 }, AS_PERSON);
    doc.getMap('meta').set('status', 'exploded');
    expect(readMeta(doc)).toMatchObject({ title: 'T', status: 'idle', createdAt: 5, timings: {} });
  });
});

it('tells a reader about changes to the roots it reads, and typing in a file is not a change to the working set', () => {
  const doc = new Y.Doc();
  const calls = { files: 0, transcript: 0 };
  observeSessionDoc(doc, () => (calls.files += 1), ['files', 'fileInfo']);
  observeSessionDoc(doc, () => (calls.transcript += 1), ['transcript']);

  addLiveFile(doc, 'src/a.ts', 'one', Origin.sandbox);
  writeFileInfo(doc, 'src/a.ts', { size: 3, kind: 'text', changedInSession: false }, Origin.sandbox);
  expect(calls).toEqual({ files: 2, transcript: 0 });
  liveFileText(doc, 'src/a.ts')!.insert(3, ' two');
  expect(calls).toEqual({ files: 2, transcript: 0 });
});
