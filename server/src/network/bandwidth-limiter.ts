/**
 * A token bucket shared by every connection of one sandbox: bytes flow freely up to one second's
 * worth, then each chunk waits for the bucket to refill. `take` says how long the caller should pause.
 */
export function createBandwidthLimiter(bytesPerSecond: number, nowMs: () => number = Date.now) {
  let tokens = bytesPerSecond;
  let lastMs = nowMs();
  return {
    take(bytes: number): number {
      const now = nowMs();
      tokens = Math.min(bytesPerSecond, tokens + ((now - lastMs) / 1000) * bytesPerSecond);
      lastMs = now;
      tokens -= bytes;
      return tokens >= 0 ? 0 : Math.ceil((-tokens / bytesPerSecond) * 1000);
    },
  };
}
export type BandwidthLimiter = ReturnType<typeof createBandwidthLimiter>;
