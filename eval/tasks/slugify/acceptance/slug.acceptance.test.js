import { test } from 'node:test';
import assert from 'node:assert/strict';
import { workspaceModule } from './workspace.js';

const { slugify } = await workspaceModule('src/slug.js');

test('words become lowercase and dashed', () => {
  assert.equal(slugify('Hello World'), 'hello-world');
});

test('accents and punctuation go', () => {
  assert.equal(slugify('Crème brûlée!'), 'creme-brulee');
  assert.equal(slugify('Ünïcödé'), 'unicode');
});

test('runs of separators become one dash, none at the ends', () => {
  assert.equal(slugify('  Many   spaces  '), 'many-spaces');
  assert.equal(slugify('a -- b__c'), 'a-b-c');
  assert.equal(slugify('!!!'), '');
});
