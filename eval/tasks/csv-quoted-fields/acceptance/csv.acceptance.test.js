import { test } from 'node:test';
import assert from 'node:assert/strict';
import { workspaceModule } from './workspace.js';

const { parseCsvLine } = await workspaceModule('src/csv.js');

test('plain and quoted fields', () => {
  assert.deepEqual(parseCsvLine('a,b,c'), ['a', 'b', 'c']);
  assert.deepEqual(parseCsvLine('"a,b",c'), ['a,b', 'c']);
});

test('a doubled quote is one quote', () => {
  assert.deepEqual(parseCsvLine('"say ""hi""",x'), ['say "hi"', 'x']);
});

test('empty fields stay', () => {
  assert.deepEqual(parseCsvLine('a,,"",b'), ['a', '', '', 'b']);
});
