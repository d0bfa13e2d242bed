import { configDefaults, defineConfig } from 'vitest/config';

const TEST_FILES = ['{client,server,shared,eval}/**/*.test.{ts,tsx}'];
/**
 * Suites that measure how a server holds up while a sandbox floods the machine: another test file
 * running beside them on these 2 cores would be measured too, so they run on their own afterwards.
 */
const ALONE = ['server/src/security/sandbox-resources.security.test.ts'];

export default defineConfig({
  test: {
    environment: 'node',
    testTimeout: 20_000,
    // A server start opens PGlite and boots sandboxes: on a busy 2-core machine that can take a minute.
    hookTimeout: 120_000,
    // PGlite and the servers are heavy on 2 cores; files run two at a time.
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: 'shared-machine', include: TEST_FILES, exclude: [...configDefaults.exclude, ...ALONE] } },
      { extends: true, test: { name: 'alone', include: ALONE } },
    ],
  },
});
