import { test } from 'node:test';
import assert from 'node:assert/strict';
import { workspaceModule } from './workspace.js';

const { TodoStore } = await workspaceModule('src/todo-store.js');

test('complete marks only that todo done', () => {
  const store = new TodoStore();
  const first = store.add('one');
  store.add('two');
  store.complete(first);
  assert.deepEqual(store.list().map((todo) => todo.done), [true, false]);
});

test('remaining counts the todos not done', () => {
  const store = new TodoStore();
  const first = store.add('one');
  store.add('two');
  assert.equal(store.remaining(), 2);
  store.complete(first);
  assert.equal(store.remaining(), 1);
});

test('an unknown id is a RangeError', () => {
  const store = new TodoStore();
  assert.throws(() => store.complete(42), RangeError);
});
