import { mkdir } from 'node:fs/promises';
import { textReply } from '../server/test-support/fake-anthropic.js';
import { test } from './support/agent-fixtures.js';
import { createSession, expect, joinByLink, mintShareLink, openAs } from './support/fixtures.js';

test('A starts the implement blueprint from the composer; B watches the steps advance, sees the failing test card at file:line, and the hand-back after 2 fix rounds', async ({ browser, agentServer, fakeModel }) => {
  test.setTimeout(120_000);
  await mkdir('/tmp/shots', { recursive: true });
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const first = fakeModel.requests.length;
  // implement answers at once; the first fix round is held until the mid-run screenshot is taken.
  fakeModel.setScript((_request, index) =>
    index === first + 1 ? held.then(() => textReply('I could not find the bug yet.')) : textReply('I looked at slugify; nothing to change yet.'),
  );
  const ada = await openAs(browser, agentServer, 'Ada');
  await createSession(ada, 'Fix slugify with a blueprint');
  await expect(ada.getByTestId('waterfall')).toContainText('ready in', { timeout: 30_000 });
  const bob = await openAs(browser, agentServer, 'Bob');
  await joinByLink(bob, await mintShareLink(ada, 'editor'));

  await ada.getByTestId('blueprint-picker').selectOption('implement');
  await ada.getByLabel('Message', { exact: true }).fill('Make the slugify test pass.');
  await ada.getByRole('button', { name: 'Ask agent' }).click();

  // Bob sees the checks fail with the failing test's file and line, and the fix round running.
  await expect(bob.getByTestId('run-node-checks')).toHaveAttribute('data-status', 'failed', { timeout: 60_000 });
  await expect(bob.getByTestId('run-failure').first()).toContainText('test/slugify.test.js:');
  await expect(bob.getByTestId('run-node-fix')).toHaveAttribute('data-status', 'running');
  await expect(bob.getByTestId('run-node-fix')).toContainText('attempt 1 of 2');
  await bob.getByTestId('run-panel').screenshot({ path: '/tmp/shots/run-panel-mid-run.png' });
  await bob.screenshot({ path: '/tmp/shots/run-panel-mid-run-page.png' });
  release();

  await expect(bob.getByTestId('run-state')).toHaveText('Handed back', { timeout: 60_000 });
  await expect(bob.getByTestId('run-summary')).toContainText('after 2 fix rounds');
  await expect(bob.getByTestId('run-node-checks')).toContainText('attempt 3 of 3');
  await expect(bob.getByRole('button', { name: 'Retry' })).toBeVisible();
  await bob.getByTestId('run-panel').screenshot({ path: '/tmp/shots/run-panel-end.png' });
  expect(fakeModel.requests.length - first).toBe(3);
});
