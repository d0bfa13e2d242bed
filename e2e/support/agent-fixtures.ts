import { TandemServer } from '../../server/test-support/server-process.js';
import { FAKE_API_KEY, startFakeAnthropic, type FakeAnthropic } from '../../server/test-support/fake-anthropic.js';
import { test as base } from './fixtures.js';

/** A server whose agent talks to a fake Messages API through the real SDK (one per worker). */
export const test = base.extend<object, { fakeModel: FakeAnthropic; agentServer: TandemServer }>({
  fakeModel: [
    async ({}, use) => {
      const fake = await startFakeAnthropic();
      await use(fake);
      await fake.close();
    },
    { scope: 'worker' },
  ],
  agentServer: [
    async ({ fakeModel }, use) => {
      const server = await TandemServer.create({ ANTHROPIC_API_KEY: FAKE_API_KEY, ANTHROPIC_BASE_URL: fakeModel.url, TANDEM_MODEL: 'claude-sonnet-4-6' });
      await server.start();
      await use(server);
      await server.dispose();
    },
    { scope: 'worker' },
  ],
});
