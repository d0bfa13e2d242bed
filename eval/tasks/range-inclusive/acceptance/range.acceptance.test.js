import { test } from 'node:test';
import assert from 'node:assert/strict';
import { workspaceModule } from './workspace.js';

const { range } = await workspaceModule('src/range.js');

test('range includes both ends', () => {
  assert.deepEqual(range(1, 3), [1, 2, 3]);
  assert.deepEqual(range(-2, 1), [-2, -1, 0, 1]);
});

test('a range of one value', () => {
  assert.deepEqual(range(5, 5), [5]);
});

test('start after end gives an empty range', () => {
  assert.deepEqual(range(3, 1), []);
});
