import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addTodo, finishTodo, openTodos, query } from '../src/todos.js';

test('talks to the PostgreSQL the sandbox started', async () => {
  const [[version]] = await query('SHOW server_version');
  assert.match(version, /^\d+/);
});

test('a finished todo is no longer open', async () => {
  await query('DROP TABLE IF EXISTS todos');
  const first = await addTodo('write the test');
  await addTodo("ship it, don't wait");
  await finishTodo(first);
  assert.deepEqual(await openTodos(), ["ship it, don't wait"]);
});
