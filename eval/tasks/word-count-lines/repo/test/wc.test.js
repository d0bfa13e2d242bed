import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';

const wc = (input, ...args) => execFileSync(process.execPath, ['bin/wc.js', ...args], { input, encoding: 'utf8' }).trim();

test('counts words', () => {
  assert.equal(wc('one two  three\nfour\n'), '4');
});
