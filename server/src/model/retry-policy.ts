import { APIConnectionError, APIError, APIUserAbortError } from '@anthropic-ai/sdk';
import { StreamIdleError } from './stream-turn.js';

/** Retries of one model request before the run stops with a clear message. */
export const DEFAULT_MODEL_RETRY_BUDGET = 4;
export const DEFAULT_RETRY_BASE_DELAY_MS = 1_000;
export const MAX_RETRY_DELAY_MS = 30_000;

export interface RetryPolicy {
  budget: number;
  baseDelayMs: number;
}

export type RetryDecision =
  | { kind: 'retry'; delayMs: number; reason: string }
  | { kind: 'give-up'; reason: string };

/** What went wrong with a model request, in words for the transcript; `retryable` per the API's guidance. */
export function describeModelError(error: unknown): { reason: string; retryable: boolean; retryAfterMs?: number } {
  if (error instanceof APIUserAbortError) return { reason: 'the request was cancelled', retryable: false };
  if (error instanceof StreamIdleError) return { reason: error.message, retryable: true };
  if (error instanceof APIConnectionError) {
    return { reason: `the model API could not be reached (${error.message})`, retryable: true };
  }
  if (error instanceof APIError) {
    const retryAfterSeconds = Number(error.headers?.get('retry-after'));
    const retryAfterMs = Number.isFinite(retryAfterSeconds) && retryAfterSeconds > 0 ? retryAfterSeconds * 1000 : undefined;
    // An `error` event inside a stream has no HTTP status, only a type.
    if (error.status === undefined) {
      const retryable = error.type === 'overloaded_error' || error.type === 'api_error' || error.type === 'rate_limit_error';
      return { reason: `the model stream failed (${error.type ?? 'error'})`, retryable };
    }
    const status = error.status;
    if (status === 429) return { reason: 'the model API is rate limiting (429)', retryable: true, retryAfterMs };
    if (status === 529) return { reason: 'the model API is overloaded (529)', retryable: true, retryAfterMs };
    if (status === 408 || status >= 500) return { reason: `the model API failed (${status})`, retryable: true, retryAfterMs };
    if (status === 401 || status === 403) {
      return { reason: `the model API refused the key (${status}); check ANTHROPIC_API_KEY`, retryable: false };
    }
    return { reason: `the model API rejected the request (${status}: ${error.apiMessage ?? error.message})`, retryable: false };
  }
  return { reason: error instanceof Error ? error.message : String(error), retryable: false };
}

/** Whether to retry the `attempt`-th failure (1-based) of one request: exponential backoff within a fixed budget. */
export function decideRetry(error: unknown, attempt: number, policy: RetryPolicy): RetryDecision {
  const { reason, retryable, retryAfterMs } = describeModelError(error);
  if (!retryable) return { kind: 'give-up', reason };
  if (attempt > policy.budget) return { kind: 'give-up', reason: `${reason}; gave up after ${policy.budget} retries` };
  const backoffMs = Math.min(MAX_RETRY_DELAY_MS, policy.baseDelayMs * 2 ** (attempt - 1));
  return { kind: 'retry', delayMs: Math.min(MAX_RETRY_DELAY_MS, Math.max(backoffMs, retryAfterMs ?? 0)), reason };
}
