import { test } from 'node:test';
import assert from 'node:assert/strict';
import { slugify } from '../src/slug.js';

test('words become lowercase and dashed', () => {
  assert.equal(slugify('Hello World'), 'hello-world');
});

test('accents and punctuation go', () => {
  assert.equal(slugify('Crème brûlée!'), 'creme-brulee');
});
