import { expect, it } from 'vitest';
import * as Y from 'yjs';
import { applyEdits, applyEditsToYText, computeEdits, rebaseEdits } from './text-edits.js';

it('turns a rewrite into small edits, so a person’s cursor elsewhere in the file stays put', () => {
  const before = 'export function slugify(title) {\n  return title.toLowerCase();\n}\n';
  const after = 'export function slugify(title) {\n  return title.trim().toLowerCase();\n}\n';
  const edits = computeEdits(before, after);
  // One pure insertion of the 7 new characters, not a rewrite of the line.
  expect(edits).toHaveLength(1);
  expect(edits[0]!.end - edits[0]!.start).toBe(0);
  expect(edits[0]!.text).toHaveLength('trim().'.length);

  const doc = new Y.Doc();
  const text = doc.getText('file');
  text.insert(0, before);
  const cursor = Y.createRelativePositionFromTypeIndex(text, 10);
  applyEditsToYText(text, edits);
  expect(text.toString()).toBe(after);
  expect(Y.createAbsolutePositionFromRelativePosition(cursor, doc)?.index).toBe(10);
});

it('keeps both sides when a person and a command change different parts of the same file at once', () => {
  const base = 'line one\nline two\nline three\n';
  const person = 'line ONE\nline two\nline three\n';
  const command = 'line one\nline two\nline three\nline four\n';
  const ours = computeEdits(base, person);
  const { edits, conflicted } = rebaseEdits(ours, computeEdits(base, command));
  expect(conflicted).toBe(false);
  expect(applyEdits(person, edits)).toBe('line ONE\nline two\nline three\nline four\n');
});

it('merges overlapping changes as the CRDT would, keeping every insertion, and reports the conflict', () => {
  const base = 'const answer = 41;\n';
  const person = 'const answer = 42;\n'; // the person changed 41 → 42
  const command = 'const result = 41;\n'; // the command renamed the variable
  const { edits, conflicted } = rebaseEdits(computeEdits(base, person), computeEdits(base, command));
  expect(applyEdits(person, edits)).toBe('const result = 42;\n');
  expect(conflicted).toBe(false);

  const both = rebaseEdits(computeEdits('abc', 'aXc'), computeEdits('abc', 'aYc'));
  expect(both.conflicted).toBe(true);
  expect(applyEdits('aXc', both.edits)).toMatch(/^a(XY|YX)c$/);
});

it('survives random concurrent edits: the person’s insertions are never lost', () => {
  let seed = 7;
  const random = (max: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % max;
  };
  const mutate = (text: string, marker: string) => {
    const at = random(text.length + 1);
    const cut = Math.min(text.length - at, random(4));
    return text.slice(0, at) + marker + text.slice(at + cut);
  };
  for (let round = 0; round < 300; round += 1) {
    const base = Array.from({ length: 20 }, () => 'abcdefgh'[random(8)]).join('');
    const person = mutate(base, '<P>');
    const command = mutate(base, '[C]');
    const merged = applyEdits(person, rebaseEdits(computeEdits(base, person), computeEdits(base, command)).edits);
    expect(merged).toContain('<P>');
    expect(merged).toContain('[C]');
  }
});
