import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { workspacePath } from './workspace.js';

const wc = (input, ...args) => execFileSync(process.execPath, [workspacePath('bin/wc.js'), ...args], { input, encoding: 'utf8' }).trim();

test('--lines counts lines', () => {
  assert.equal(wc('a\nb b\nc\n', '--lines'), '3');
});

test('a last line without a newline counts', () => {
  assert.equal(wc('a\nb', '--lines'), '2');
  assert.equal(wc('', '--lines'), '0');
});

test('without the flag it still counts words', () => {
  assert.equal(wc('one two  three\nfour\n'), '4');
});
