import Anthropic from '@anthropic-ai/sdk';

/** Defaults for the model, defined once. */
export const DEFAULT_MODEL = 'claude-sonnet-4-6';
/** Longest a single model request may take before it counts as failed (and is retried). */
export const DEFAULT_MODEL_REQUEST_TIMEOUT_MS = 10 * 60_000;

export interface ModelConfig {
  /** Absent: the agent is off and the UI says how to turn it on. */
  apiKey?: string;
  baseUrl?: string;
  model: string;
  requestTimeoutMs: number;
  /** A stream that sends nothing this long is cut and retried (default DEFAULT_STREAM_IDLE_TIMEOUT_MS). */
  streamIdleTimeoutMs?: number;
}

/**
 * The real SDK client. Its own retries are off: the agent retries in its loop, so every retry is
 * visible in the transcript and counted against one budget.
 */
export function createModelClient(config: ModelConfig & { apiKey: string }): Anthropic {
  return new Anthropic({
    apiKey: config.apiKey,
    baseURL: config.baseUrl,
    maxRetries: 0,
    timeout: config.requestTimeoutMs,
  });
}
