import { APIConnectionError, APIError } from '@anthropic-ai/sdk';
import { expect, it } from 'vitest';
import { decideRetry } from './retry-policy.js';

const policy = { budget: 3, baseDelayMs: 1_000 };
const httpError = (status: number, headers: Record<string, string> = {}) =>
  APIError.generate(status, { type: 'error', error: { type: 'x', message: 'boom' } }, undefined, new Headers(headers));

it('backs off exponentially on 429, 529, 5xx and lost connections, then gives up when the budget is spent', () => {
  expect(decideRetry(httpError(529), 1, policy)).toMatchObject({ kind: 'retry', delayMs: 1_000 });
  expect(decideRetry(httpError(500), 2, policy)).toMatchObject({ kind: 'retry', delayMs: 2_000 });
  expect(decideRetry(new APIConnectionError({ message: 'socket hang up' }), 3, policy)).toMatchObject({ kind: 'retry', delayMs: 4_000 });
  expect(decideRetry(httpError(429), 4, policy)).toEqual({ kind: 'give-up', reason: 'the model API is rate limiting (429); gave up after 3 retries' });
});

it('honours retry-after, and never retries a request the API rejected for good', () => {
  expect(decideRetry(httpError(429, { 'retry-after': '7' }), 1, policy)).toMatchObject({ kind: 'retry', delayMs: 7_000 });
  expect(decideRetry(httpError(401), 1, policy)).toMatchObject({ kind: 'give-up', reason: expect.stringContaining('check ANTHROPIC_API_KEY') });
  expect(decideRetry(httpError(400), 1, policy)).toMatchObject({ kind: 'give-up' });
  // An `error` event inside a stream has no status, only a type.
  const overloaded = new APIError(undefined, { type: 'error', error: { type: 'overloaded_error' } }, undefined, undefined, 'overloaded_error');
  expect(decideRetry(overloaded, 1, policy)).toMatchObject({ kind: 'retry' });
});
