import type { Context, MiddlewareHandler } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';
import {
  IDENTITY_RATE_LIMIT_PER_ADDRESS,
  MESSAGE_RATE_LIMIT_PER_ADDRESS,
  MESSAGE_RATE_LIMIT_PER_IDENTITY,
  SESSION_RATE_LIMIT_PER_ADDRESS,
  SESSION_RATE_LIMIT_PER_IDENTITY,
  type RateLimit,
} from '@tandem/shared/limits.js';
import { ErrorCode } from '@tandem/shared/protocol/errors.js';
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
  return peerAddress(c);
}

/** Headers a reverse proxy adds to say whom it forwards for. */
export const FORWARDING_HEADERS = ['x-forwarded-for', 'forwarded', 'x-real-ip'] as const;

export interface RateLimitOptions {
  /** TANDEM_TRUST_PROXY: the client's address is the last X-Forwarded-For hop. */
  trustProxy: boolean;
  /** The server listens beyond loopback (HOST is not 127.0.0.1, ::1 or localhost). */
  boundBeyondLoopback: boolean;
  /** Anyone may pick a name (loopback without TANDEM_REQUIRE_SIGN_IN): said in the proxy warning. */
  openAccess?: boolean;
  /** Where the one-time proxy warning goes; the server log by default. */
  warn?: (message: string) => void;
  nowMs?: () => number;
}

/**
 * The address a request is counted under, or undefined when it is not counted. A loopback peer is
 * the machine itself, and on a server bound to loopback it is the one person using it (their
 * browser, the CLI): not counted. But a loopback peer that forwards for someone (it sends
 * X-Forwarded-For, Forwarded or X-Real-IP) is a proxy, and on a server bound beyond loopback a
 * loopback peer is most likely one too: exempting it would exempt everyone behind it, so it is
 * counted like any other address (all of them together, until TANDEM_TRUST_PROXY tells them apart).
 */
export function decideCountedAddress(address: string | undefined, forwarded: boolean, options: Pick<RateLimitOptions, 'boundBeyondLoopback'>): string | undefined {
  if (!address) return undefined;
  if (!isLoopbackAddress(address)) return address;
  return options.boundBeyondLoopback || forwarded ? address : undefined;
}

/** Whether a request says a proxy on this machine forwards to a server that does not trust its headers. */
export function isUntrustedLocalProxy(peer: string | undefined, forwarded: boolean, options: Pick<RateLimitOptions, 'trustProxy'>): boolean {
  return !options.trustProxy && forwarded && peer !== undefined && isLoopbackAddress(peer);
}

export function describeUntrustedLocalProxy(header: string, options: Pick<RateLimitOptions, 'openAccess'>): string {
  return (
    `Requests come from this machine with a ${header} header: a reverse proxy here forwards to Tandem, but TANDEM_TRUST_PROXY is not set, ` +
    `so everyone behind the proxy has its address and shares one rate-limit budget. Set TANDEM_TRUST_PROXY=1 (only behind a proxy that sets ` +
    `X-Forwarded-For itself; Tandem reads its last hop) so each person is counted by their own address.` +
    (options.openAccess ? ' This server is also open to anyone who picks a name (it is bound to loopback): set TANDEM_REQUIRE_SIGN_IN=1 while a proxy makes it reachable.' : '')
  );
}

function peerAddress(c: Context): string | undefined {
  try {
    return getConnInfo(c).remote.address;
  } catch {
    return undefined;
  }
}

/**
 * Per-identity and per-address budgets for each action; which addresses count is
 * decideCountedAddress's. The first request that shows an untrusted proxy on this machine is
 * warned about, once, in the server log.
 */
export function createRateLimits(limits: RateLimits, options: RateLimitOptions) {
  const nowMs = options.nowMs ?? Date.now;
  const warn = options.warn ?? ((message: string) => console.warn(`[tandem] ${message}`));
  let warnedAboutProxy = false;
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

  /** The address to count this request under, warning once about an untrusted proxy on this machine. */
  function countedAddress(c: Context): string | undefined {
    const header = FORWARDING_HEADERS.find((name) => c.req.header(name) !== undefined);
    const forwarded = header !== undefined;
    if (!warnedAboutProxy && isUntrustedLocalProxy(peerAddress(c), forwarded, options)) {
      warnedAboutProxy = true;
      warn(describeUntrustedLocalProxy(header!, options));
    }
    return decideCountedAddress(clientAddress(c, options.trustProxy), forwarded, options);
  }

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
        const refusal = take(action, { identity: c.get('identity')?.id, address: countedAddress(c) });
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
