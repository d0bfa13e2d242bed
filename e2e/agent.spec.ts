import { textReply, toolReply, userTexts } from '../server/test-support/fake-anthropic.js';
import { test } from './support/agent-fixtures.js';
import { createSession, expect, mintShareLink, openAs } from './support/fixtures.js';

test('A starts a run, B watches it stream and steers it; the agent’s next request carries B’s words and name', async ({ browser, agentServer, fakeModel }) => {
  const firstRequest = fakeModel.requests.length;
  fakeModel.setScript((_request, index) =>
    index === firstRequest
      ? toolReply('bash', { command: 'sleep 2; echo checked-$((40+2))' }, 'Looking at slugify now; first I will run the tests to see what fails.', {
          chunkChars: 3,
          eventDelayMs: 40,
        })
      : textReply('Thanks Bob, I will keep the dashes as they are.'),
  );
  const ada = await openAs(browser, agentServer, 'Ada');
  await createSession(ada, 'Fix slugify together');
  await expect(ada.getByTestId('waterfall')).toContainText('ready in', { timeout: 30_000 });
  const bobLink = await mintShareLink(ada, 'editor');
  const bob = await openAs(browser, agentServer, 'Bob');
  await bob.goto(bobLink);
  await expect(bob.getByTestId('agent-bar')).toHaveAttribute('data-state', 'idle');

  await ada.getByLabel('Message', { exact: true }).fill('Make the slugify test pass.');
  await ada.getByRole('button', { name: 'Ask agent' }).click();

  // Bob sees the words arrive while they stream, then the tool call run.
  const streaming = bob.locator('[data-testid="assistant-text"][data-streaming="true"]');
  await expect(streaming).toBeVisible();
  await expect(bob.getByTestId('assistant-text')).toContainText('run the tests to see what fails');
  await expect(bob.getByTestId('tool-call')).toHaveAttribute('data-status', 'running', { timeout: 10_000 });
  await expect(bob.getByTestId('agent-bar')).toHaveAttribute('data-state', 'running');

  // Bob steers while the tool runs: it waits in the queue until the tool boundary.
  await expect(bob.getByRole('radio', { name: 'Steer' })).toHaveAttribute('aria-checked', 'true');
  await bob.getByLabel('Message', { exact: true }).fill('Keep the dashes please.');
  await bob.getByLabel('Message', { exact: true }).press('Enter');
  await expect(ada.getByTestId('queue')).toContainText('Keep the dashes please.');

  await expect(ada.getByTestId('agent-bar')).toHaveAttribute('data-state', 'done', { timeout: 15_000 });
  await expect(ada.getByTestId('tool-output')).toContainText('checked-42');
  await expect(ada.locator('[data-delivery="steer"]')).toContainText('Bob');
  await expect(ada.getByTestId('assistant-text').last()).toContainText('Thanks Bob, I will keep the dashes as they are.');
  await expect(ada.getByTestId('queue')).toHaveCount(0);
  await expect(bob.getByTestId('agent-stats')).toContainText('turn 2/');

  const second = fakeModel.requests[firstRequest + 1]!.body.messages;
  expect(userTexts(second)).toContain('[Bob steers while you work]\nKeep the dashes please.');
  expect(userTexts(second)[0]).toBe('[Ada asks]\nMake the slugify test pass.');

  for (const page of [ada, bob]) await page.context().close();
});
