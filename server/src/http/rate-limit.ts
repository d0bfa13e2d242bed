import type { Context, MiddlewareHandler } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';
import {
  IDENTITY_RATE_LIMIT_PER_ADDRESS,
  MESSAGE_RATE_LIMIT_PER_ADDRESS,
  MESSAGE_RATE_LIMIT_PER_IDENTITY,
  SESSION_RATE_LIMIT_PER_ADDRESS,
  SESSION_RATE_LIMIT_PER_IDENTITY,
  type RateLimit,
} from '../../../shared/src/limits.js';
import { ErrorCode } from '../../../shared/src/protocol/errors.js';
import { isLoopbackAddress } from '../auth/access-policy.js';
import { createRateLimiter, type RateLimiter } from '../session/rate-limiter.js';
import { errorResponse } from './http-error.js';
import type { AppEnv } from './identity-middleware.js';

/** What costs the server: a new identity (or sign-in attempt), a new session, a message. */
export type RateLimitedAction = 'identity' | 'session' | 'message';
export type RateLimitScope = 'identity' | 'address';
export type RateLimits = Record<RateLimitedAction, Partial<Record<RateLimitScope, RateLimit>>>;

export const DEFAULT_RATE_LIMITS: RateLimits = {
  identity: { address: IDENTITY_RATE_LIMIT_PER_ADDRESS },
  session: { identity: SESSION_RATE_LIMIT_PER_IDENTITY, address: SESSION_RATE_LIMIT_PER_ADDRESS },
  message: { identity: MESSAGE_RATE_LIMIT_PER_IDENTITY, address: MESSAGE_RATE_LIMIT_PER_ADDRESS },
};

const ACTION_WORDS: Record<RateLimitedAction, string> = {
  identity: 'sign-ins and new names',
  session: 'new sessions',
  message: 'messages',
};
const SCOPE_WORDS: Record<RateLimitScope, string> = {
  identity: 'from you',
  address: 'from your network address',
};

export interface RateLimitRefusal {
  scope: RateLimitScope;
  limit: RateLimit;
  retryAfterMs: number;
}

function describeDuration(ms: number): string {
  if (ms < 90_000) return `${Math.max(1, Math.ceil(ms / 1000))} seconds`;
  return `${Math.ceil(ms / 60_000)} minutes`;
}

export function describeRefusal(action: RateLimitedAction, refusal: RateLimitRefusal): string {
  return (
    `Too many ${ACTION_WORDS[action]} ${SCOPE_WORDS[refusal.scope]}: at most ${refusal.limit.count} every ` +
    `${describeDuration(refusal.limit.windowMs)}. Try again in ${describeDuration(refusal.retryAfterMs)}.`
  );
}

/**
 * The client's address: the socket's peer, or behind a trusted proxy the last X-Forwarded-For hop
 * (the one that proxy added; earlier hops are whatever the client claimed).
 */
export function clientAddress(c: Context, trustProxy: boolean): string | undefined {
  if (trustProxy) {
    const forwarded = c.req.header('x-forwarded-for')?.split(',').map((hop) => hop.trim()).filter(Boolean);
    const last = forwarded?.[forwarded.length - 1];
    if (last) return last;
  }
  try {
    return getConnInfo(c).remote.address;
  } catch {
    return undefined;
  }
}

/**
 * Per-identity and per-address budgets for each action. Addresses on loopback (the machine itself)
 * are not counted: on an open loopback server they are all one person.
 */
export function createRateLimits(limits: RateLimits, options: { trustProxy: boolean; nowMs?: () => number }) {
  const nowMs = options.nowMs ?? Date.now;
  const limiters = new Map<string, RateLimiter>();
  const limiterFor = (action: RateLimitedAction, scope: RateLimitScope, limit: RateLimit) => {
    const name = `${action}:${scope}`;
    let limiter = limiters.get(name);
    if (!limiter) {
      limiter = createRateLimiter(limit.count, limit.windowMs);
      limiters.set(name, limiter);
    }
    return limiter;
  };

  /** Takes one event from every budget that applies, or none when any is spent. */
  function take(action: RateLimitedAction, keys: Record<RateLimitScope, string | undefined>): RateLimitRefusal | undefined {
    const now = nowMs();
    const applicable = (['identity', 'address'] as const).flatMap((scope) => {
      const limit = limits[action][scope];
      const key = keys[scope];
      return limit && key ? [{ scope, limit, key, limiter: limiterFor(action, scope, limit) }] : [];
    });
    for (const { scope, limit, key, limiter } of applicable) {
      const retryAfterMs = limiter.retryAfterMs(key, now);
      if (retryAfterMs > 0) return { scope, limit, retryAfterMs };
    }
    for (const { key, limiter } of applicable) limiter.tryTake(key, now);
    return undefined;
  }

  return {
    take,
    /** Middleware for one action's route: 429 with a message and Retry-After when a budget is spent. */
    guard(action: RateLimitedAction): MiddlewareHandler<AppEnv> {
      return async (c, next) => {
        const address = clientAddress(c, options.trustProxy);
        const refusal = take(action, {
          identity: c.get('identity')?.id,
          address: address && !isLoopbackAddress(address) ? address : undefined,
        });
        if (refusal) {
          c.header('Retry-After', String(Math.ceil(refusal.retryAfterMs / 1000)));
          return errorResponse(c, 429, ErrorCode.RateLimited, describeRefusal(action, refusal));
        }
        await next();
      };
    },
  };
}
export type ServerRateLimits = ReturnType<typeof createRateLimits>;
