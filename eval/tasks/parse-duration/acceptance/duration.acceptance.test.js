import { test } from 'node:test';
import assert from 'node:assert/strict';
import { workspaceModule } from './workspace.js';

const { parseDuration } = await workspaceModule('src/duration.js');

test('each unit', () => {
  assert.equal(parseDuration('45s'), 45_000);
  assert.equal(parseDuration('2m'), 120_000);
  assert.equal(parseDuration('3h'), 10_800_000);
});

test('units combine', () => {
  assert.equal(parseDuration('1h30m'), 5_400_000);
  assert.equal(parseDuration('1m5s'), 65_000);
});

test('anything else throws', () => {
  assert.throws(() => parseDuration('soon'));
  assert.throws(() => parseDuration('5x'));
  assert.throws(() => parseDuration(''));
});
