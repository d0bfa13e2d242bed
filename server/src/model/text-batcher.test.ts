import { expect, it } from 'vitest';
import { createTextBatcher } from './text-batcher.js';

it('sends the first token at once, then joins tokens into a few writes a second, losing none', async () => {
  const writes: string[] = [];
  const batcher = createTextBatcher(async (text) => void writes.push(text), 50);
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  batcher.push('Hel');
  await settle();
  expect(writes).toEqual(['Hel']);
  for (const token of ['lo', ', ', 'wor', 'ld']) batcher.push(token);
  await settle();
  expect(writes).toEqual(['Hel']);
  await new Promise((resolve) => setTimeout(resolve, 80));
  expect(writes).toEqual(['Hel', 'lo, world']);
  batcher.push('!');
  await batcher.flush();
  expect(writes.join('')).toBe('Hello, world!');
});
