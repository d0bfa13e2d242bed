import { textReply, toolReply, userTexts } from '../server/test-support/fake-anthropic.js';
import { test } from './support/agent-fixtures.js';
import { createSession, expect, joinByLink, mintShareLink, openAs, typeInTerminal } from './support/fixtures.js';

test('A starts a run, B watches it stream and steers it; the agent’s next request carries B’s words and name', async ({ browser, agentServer, fakeModel }) => {
  const firstRequest = fakeModel.requests.length;
  fakeModel.setScript((_request, index) =>
    index === firstRequest
      ? // The command waits for a file the test creates once Bob has steered, so the steer never races a timer.
        toolReply('bash', { command: 'while [ ! -e steered ]; do sleep 0.1; done; echo checked-$((40+2))' }, 'Looking at slugify now; first I will run the tests to see what fails.', {
          chunkChars: 2,
          eventDelayMs: 80,
        })
      : textReply('Thanks Bob, I will keep the dashes as they are.'),
  );
  const ada = await openAs(browser, agentServer, 'Ada');
  await createSession(ada, 'Fix slugify together');
  await expect(ada.getByTestId('waterfall')).toContainText('ready in', { timeout: 30_000 });
  const bobLink = await mintShareLink(ada, 'editor');
  const bob = await openAs(browser, agentServer, 'Bob');
  await joinByLink(bob, bobLink);
  await expect(bob.getByTestId('agent-bar')).toHaveAttribute('data-state', 'idle');

  await ada.getByLabel('Message', { exact: true }).fill('Make the slugify test pass.');
  await ada.getByRole('button', { name: 'Ask agent' }).click();

  // Bob sees the words arrive while they stream, then the tool call run.
  const streaming = bob.locator('[data-testid="assistant-text"][data-streaming="true"]');
  await expect(streaming).toBeVisible();
  await expect(bob.getByTestId('assistant-text').first()).toContainText('run the tests to see what fails');
  await expect(bob.getByTestId('tool-call')).toHaveAttribute('data-status', 'running', { timeout: 10_000 });
  await expect(bob.getByTestId('agent-bar')).toHaveAttribute('data-state', 'running');

  // Bob steers while the tool runs: it waits in the queue until the tool boundary.
  await expect(bob.getByRole('radio', { name: 'Steer' })).toHaveAttribute('aria-checked', 'true');
  await bob.getByLabel('Message', { exact: true }).fill('Keep the dashes please.');
  await expect(bob.getByTestId('composer-keys')).toContainText('Ctrl+Enter steers the agent');
  await bob.getByLabel('Message', { exact: true }).press('Control+Enter');
  await expect(ada.getByTestId('queue')).toContainText('Keep the dashes please.');
  await typeInTerminal(ada, 'touch steered');

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

test('Enter talks to people and never starts a run; Ctrl+Enter asks the agent, and its long command shows live output and ticking time', async ({ browser, agentServer, fakeModel }) => {
  const firstRequest = fakeModel.requests.length;
  // The command prints, then waits until someone creates `go` in the shared terminal.
  const command = 'for i in 1 2 3; do echo progress-$i; done; while [ ! -e go ]; do sleep 0.1; done; echo all-done';
  fakeModel.setScript((_request, index) => (index === firstRequest ? toolReply('bash', { command }) : textReply('The command finished.')));
  const ada = await openAs(browser, agentServer, 'Ada');
  await createSession(ada, 'Enter means people');
  await expect(ada.getByTestId('waterfall')).toContainText('ready in', { timeout: 30_000 });
  const message = ada.getByLabel('Message', { exact: true });
  await expect(ada.getByTestId('composer-keys')).toContainText('Enter sends to people · Ctrl+Enter asks the agent (starts a run)');

  // A plain Enter posts to people: a chat message, no run, no model request.
  await message.fill('Morning all, I will look at slugify.');
  await message.press('Enter');
  await expect(ada.locator('[data-testid="message"][data-delivery="chat"]')).toContainText('Morning all, I will look at slugify.');
  await expect(message).toHaveValue('');
  await expect(ada.getByTestId('agent-bar')).toHaveAttribute('data-state', 'idle');
  expect(fakeModel.requests.length).toBe(firstRequest);
  // So does the people button.
  await message.fill('Second note to people.');
  await ada.getByRole('button', { name: 'Send to people' }).click();
  await expect(ada.locator('[data-testid="message"][data-delivery="chat"]')).toHaveCount(2);
  expect(fakeModel.requests.length).toBe(firstRequest);

  // Ctrl+Enter is the deliberate way to ask the agent.
  await message.fill('Run the long command.');
  await message.press('Control+Enter');
  await expect(ada.locator('[data-testid="message"][data-delivery="prompt"]')).toContainText('Run the long command.');
  await expect.poll(() => fakeModel.requests.length).toBeGreaterThan(firstRequest);

  // While it runs, the card shows the output so far and the time going up.
  const card = ada.getByTestId('tool-call');
  await expect(card).toHaveAttribute('data-status', 'running', { timeout: 15_000 });
  await expect(card.getByTestId('tool-live-output')).toContainText('progress-3');
  const elapsed = card.getByTestId('tool-elapsed');
  await expect(elapsed).toHaveText(/^\d+ s$/);
  const firstSeconds = Number((await elapsed.textContent())!.split(' ')[0]);
  await expect.poll(async () => Number((await elapsed.textContent())?.split(' ')[0]), { timeout: 5_000 }).toBeGreaterThan(firstSeconds);

  await typeInTerminal(ada, 'touch go');
  await expect(ada.getByTestId('agent-bar')).toHaveAttribute('data-state', 'done', { timeout: 20_000 });
  await expect(card).toHaveAttribute('data-status', 'done');
  await expect(card.getByTestId('tool-live-output')).toHaveCount(0);
  await expect(card.getByTestId('tool-elapsed')).toHaveCount(0);
  await expect(card.getByTestId('tool-output')).toContainText('progress-1');
  await expect(card.getByTestId('tool-output')).toContainText('all-done');
  // The chat never reached the model.
  expect(JSON.stringify(fakeModel.requests[firstRequest]!.body.messages)).not.toContain('Morning all');
  await ada.context().close();
});
