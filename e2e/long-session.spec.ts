import { TandemServer } from '../server/test-support/server-process.js';
import { FAKE_API_KEY, startFakeAnthropic, textReply, toolReply, type FakeAnthropic } from '../server/test-support/fake-anthropic.js';
import { createSession, expect, joinByLink, mintShareLink, openAs, terminalScreen, test as base, typeInTerminal } from './support/fixtures.js';

/** Snapshots are rebuilt every 15 s here (checked every 7.5 s), so a session of a few minutes lives through several rebuilds. */
const REBUILD_MINUTES = 0.25;
/** How long the two people keep the session open and working before the agent runs. */
const SESSION_MS = 120_000;
const REBUILDS_TO_SEE = 3;
/** Between two checks of the workspace while the session is open. */
const CHECK_EVERY_MS = 20_000;

// A server of its own (its rebuild schedule would slow every later spec), started and stopped with this test.
const test = base.extend<{ fakeModel: FakeAnthropic; longServer: TandemServer }>({
  fakeModel: async ({}, use) => {
    const fake = await startFakeAnthropic();
    await use(fake);
    await fake.close();
  },
  longServer: async ({ fakeModel }, use) => {
    const server = await TandemServer.create({
      ANTHROPIC_API_KEY: FAKE_API_KEY,
      ANTHROPIC_BASE_URL: fakeModel.url,
      TANDEM_MODEL: 'claude-sonnet-4-6',
      TANDEM_SNAPSHOT_REBUILD_MINUTES: String(REBUILD_MINUTES),
    });
    await server.start();
    await use(server);
    await server.dispose();
  },
});
test.describe.configure({ timeout: SESSION_MS + 240_000 });

const rebuilds = (server: TandemServer) => (server.log.match(/rebuilding the snapshot of /g) ?? []).length;

test('a session left open for minutes keeps its workspace through several snapshot rebuilds, and the agent still sees every file', async ({ browser, longServer, fakeModel }) => {
  const ada = await openAs(browser, longServer, 'Ada');
  await createSession(ada, 'A long afternoon');
  await expect(ada.getByTestId('waterfall')).toContainText('ready in', { timeout: 60_000 });
  const bob = await openAs(browser, longServer, 'Bob');
  await joinByLink(bob, await mintShareLink(ada, 'editor'));
  await expect(terminalScreen(bob)).toContainText('tandem@sandbox', { timeout: 30_000 });

  // The shell computes the marker: the count of entries in the workspace, and a file Bob makes.
  await typeInTerminal(bob, 'echo made-by-bob > notes.txt; echo start-$(ls -A | wc -l)-files');
  await expect(terminalScreen(ada)).toContainText(/start-\d+-files/);
  const count = /start-(\d+)-files/.exec((await terminalScreen(ada).textContent()) ?? '')![1]!;
  expect(Number(count)).toBeGreaterThan(4);

  const openUntil = Date.now() + SESSION_MS;
  for (let tick = 1; Date.now() < openUntil || rebuilds(longServer) < REBUILDS_TO_SEE; tick += 1) {
    await ada.waitForTimeout(CHECK_EVERY_MS);
    const who = tick % 2 === 0 ? ada : bob;
    await typeInTerminal(who, `echo tick-${tick}-$(ls -A | wc -l)-$(cat notes.txt)`);
    await expect(terminalScreen(ada)).toContainText(`tick-${tick}-${count}-made-by-bob`, { timeout: 20_000 });
    await expect(bob.getByTestId('tree-file').filter({ hasText: 'README.md' })).toBeVisible();
  }
  expect(rebuilds(longServer)).toBeGreaterThanOrEqual(REBUILDS_TO_SEE);

  // At the end the agent works on the same tree: its listing shows every file, README's first line included.
  const firstRequest = fakeModel.requests.length;
  fakeModel.setScript((_request, index) =>
    index === firstRequest ? toolReply('bash', { command: 'echo agent-sees-$(ls -A | wc -l); head -n 1 README.md; cat notes.txt' }) : textReply('All files are there.'),
  );
  await ada.getByLabel('Message', { exact: true }).fill('How many files are in the workspace?');
  await ada.getByRole('button', { name: 'Ask agent' }).click();
  await expect(bob.getByTestId('agent-bar')).toHaveAttribute('data-state', 'done', { timeout: 60_000 });
  await expect(bob.getByTestId('tool-output')).toContainText(`agent-sees-${count}`);
  await expect(bob.getByTestId('tool-output')).toContainText('# ');
  await expect(bob.getByTestId('tool-output')).toContainText('made-by-bob');

  for (const page of [ada, bob]) await page.context().close();
});
