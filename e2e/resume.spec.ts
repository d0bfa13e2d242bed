import { createSession, expect, openAs, terminalScreen, test, typeInTerminal } from './support/fixtures.js';

test('the owner ends a session and resumes its saved workspace in a new one', async ({ browser, server }) => {
  const ada = await openAs(browser, server, 'Ada');
  await createSession(ada, 'Pick up later');
  await expect(terminalScreen(ada)).toContainText('tandem@sandbox', { timeout: 30_000 });
  await typeInTerminal(ada, 'echo half-done > progress.txt && echo wrote-$((6*7))');
  await expect(terminalScreen(ada)).toContainText('wrote-42');

  ada.once('dialog', (dialog) => void dialog.accept());
  await ada.getByRole('button', { name: 'End session' }).click();
  await expect(ada.getByTestId('ended-banner')).toContainText('Its workspace was saved.', { timeout: 20_000 });
  await expect(ada.getByRole('button', { name: 'End session' })).toHaveCount(0);

  await ada.getByRole('button', { name: 'Resume in a new session' }).click();
  await expect(ada.getByTestId('session-title')).toHaveText('Pick up later (resumed)');
  await expect(terminalScreen(ada)).toContainText('tandem@sandbox', { timeout: 30_000 });
  await typeInTerminal(ada, 'cat progress.txt');
  await expect(terminalScreen(ada)).toContainText('half-done');
  await ada.context().close();
});
