import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDuration } from '../src/duration.js';

test('seconds', () => {
  assert.equal(parseDuration('45s'), 45_000);
});

test('minutes', () => {
  assert.equal(parseDuration('2m'), 120_000);
});
