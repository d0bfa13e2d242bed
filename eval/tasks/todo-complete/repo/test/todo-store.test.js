import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TodoStore } from '../src/todo-store.js';

test('a completed todo is done', () => {
  const store = new TodoStore();
  const id = store.add('write the eval');
  store.complete(id);
  assert.equal(store.list()[0].done, true);
});
