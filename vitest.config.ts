import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{client,server,shared,eval}/**/*.test.{ts,tsx}'],
    environment: 'node',
    testTimeout: 20_000,
    // A server start opens PGlite and boots sandboxes: on a busy 2-core machine that can take a minute.
    hookTimeout: 120_000,
    // PGlite and the servers are heavy on 2 cores; files run two at a time.
    maxWorkers: 2,
  },
});
