import assert from 'node:assert/strict';
import { test } from 'node:test';
import { slugify } from '../src/slugify.js';

test('joins words with dashes', () => {
  assert.equal(slugify('Hello Tandem World'), 'hello-tandem-world');
});

test('trims punctuation at the ends', () => {
  assert.equal(slugify('  ¡Hola!  '), 'hola');
});

test('folds accented letters to ASCII', () => {
  assert.equal(slugify('Crème Brûlée'), 'creme-brulee');
});
