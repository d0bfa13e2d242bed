import { expect, it } from 'vitest';
import { MAX_SECRET_VALUE_BYTES, putSecretBodySchema, utf8ByteLength } from './secrets.js';

it('counts UTF-8 bytes as TextEncoder does, so a value is held to its byte limit in any script', () => {
  for (const value of ['', 'ascii', 'é', '€', '😀', 'a€😀é\u0000']) expect(utf8ByteLength(value)).toBe(Buffer.byteLength(value, 'utf8'));
  const euros = '€'.repeat(Math.floor(MAX_SECRET_VALUE_BYTES / 3) + 1);
  expect(putSecretBodySchema.safeParse({ value: euros }).success).toBe(false);
  expect(putSecretBodySchema.safeParse({ value: euros.slice(2) }).success).toBe(true);
});
