/** Allows `limit` events per key within a sliding window; used for chat so one tab cannot flood a session. */
export function createRateLimiter(limit: number, windowMs: number) {
  const events = new Map<string, number[]>();
  return {
    tryTake(key: string, nowMs: number): boolean {
      const recent = (events.get(key) ?? []).filter((atMs) => nowMs - atMs < windowMs);
      if (recent.length >= limit) {
        events.set(key, recent);
        return false;
      }
      recent.push(nowMs);
      events.set(key, recent);
      return true;
    },
  };
}
