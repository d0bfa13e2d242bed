import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{client,server,shared}/**/*.test.{ts,tsx}'],
    environment: 'node',
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // PGlite and the servers are heavy on 2 cores; files run two at a time.
    maxWorkers: 2,
  },
});
