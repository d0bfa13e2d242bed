import assert from 'node:assert/strict';
import { test } from 'node:test';
import ms from 'ms';
import { query } from '../src/db.js';
import { estimate, totalEstimate } from '../src/estimates.js';

test('uses the ms package that setup installed', () => {
  assert.equal(ms('2h'), 7_200_000);
});

test('keeps estimates in the PostgreSQL the sandbox started', async () => {
  await query('DROP TABLE IF EXISTS estimates');
  await estimate('write the migration', '90m');
  await estimate('review', '30m');
  await estimate('deploy', '3h');
  assert.equal(await totalEstimate(), '5h');
  await assert.rejects(estimate('someday', 'soon'), /not a duration/);
});
