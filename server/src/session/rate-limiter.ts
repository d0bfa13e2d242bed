/** Keys kept before expired ones are swept (one entry per person or address seen recently). */
const SWEEP_AT_KEYS = 10_000;

/** Allows `limit` events per key within a sliding window; used for chat so one tab cannot flood a session. */
export function createRateLimiter(limit: number, windowMs: number) {
  const events = new Map<string, number[]>();
  const recentOf = (key: string, nowMs: number) => (events.get(key) ?? []).filter((atMs) => nowMs - atMs < windowMs);

  function sweep(nowMs: number): void {
    for (const [key, times] of events) {
      if (times.every((atMs) => nowMs - atMs >= windowMs)) events.delete(key);
    }
  }

  return {
    tryTake(key: string, nowMs: number): boolean {
      if (events.size >= SWEEP_AT_KEYS) sweep(nowMs);
      const recent = recentOf(key, nowMs);
      if (recent.length >= limit) {
        events.set(key, recent);
        return false;
      }
      recent.push(nowMs);
      events.set(key, recent);
      return true;
    },
    /** 0 when an event would be allowed now; otherwise how long until one would be. */
    retryAfterMs(key: string, nowMs: number): number {
      const recent = recentOf(key, nowMs);
      if (recent.length < limit) return 0;
      return windowMs - (nowMs - (recent[recent.length - limit] ?? nowMs));
    },
  };
}
export type RateLimiter = ReturnType<typeof createRateLimiter>;
