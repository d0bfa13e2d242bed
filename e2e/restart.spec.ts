import { addPlanStep, createSession, expect, openAs, sendMessage, test } from './support/fixtures.js';

test('reloading after a server restart keeps every edit', async ({ browser, server }) => {
  const ada = await openAs(browser, server, 'Ada');
  const sessionUrl = await createSession(ada, 'Survives restarts');
  await addPlanStep(ada, 'First step');
  await addPlanStep(ada, 'Second step');
  await sendMessage(ada, 'Written before the restart');
  await expect(ada.getByTestId('message')).toHaveCount(1);
  await expect(ada.getByTestId('plan-step')).toHaveCount(2);

  await server.stop();
  await expect(ada.getByTestId('connection')).not.toHaveAttribute('data-state', 'live');
  // An edit made while the server is away is sent when the tab reconnects.
  await ada.getByLabel('Step 2 title').fill('Second step, edited offline');
  await server.start();
  await expect(ada.getByTestId('connection')).toHaveAttribute('data-state', 'live', { timeout: 20_000 });

  await ada.reload();
  await expect(ada).toHaveURL(sessionUrl);
  await expect(ada.getByLabel('Step 1 title')).toHaveValue('First step');
  await expect(ada.getByLabel('Step 2 title')).toHaveValue('Second step, edited offline');
  await expect(ada.getByTestId('message')).toContainText('Written before the restart');
  await ada.context().close();
});
