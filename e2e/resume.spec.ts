import type { Page } from '@playwright/test';
import { createSession, expect, openAs, test } from './support/fixtures.js';

const screen = (page: Page) => page.getByTestId('terminal-panel').locator('.xterm-rows');

async function run(page: Page, command: string) {
  await page.getByTestId('terminal').click();
  await page.keyboard.type(command);
  await page.keyboard.press('Enter');
}

test('the owner ends a session and resumes its saved workspace in a new one', async ({ browser, server }) => {
  const ada = await openAs(browser, server, 'Ada');
  await createSession(ada, 'Pick up later');
  await expect(screen(ada)).toContainText('tandem@sandbox', { timeout: 30_000 });
  await run(ada, 'echo half-done > progress.txt && echo wrote-$((6*7))');
  await expect(screen(ada)).toContainText('wrote-42');

  ada.once('dialog', (dialog) => void dialog.accept());
  await ada.getByRole('button', { name: 'End session' }).click();
  await expect(ada.getByTestId('ended-banner')).toContainText('Its workspace was saved.', { timeout: 20_000 });
  await expect(ada.getByRole('button', { name: 'End session' })).toHaveCount(0);

  await ada.getByRole('button', { name: 'Resume in a new session' }).click();
  await expect(ada.getByTestId('session-title')).toHaveText('Pick up later (resumed)');
  await expect(screen(ada)).toContainText('tandem@sandbox', { timeout: 30_000 });
  await run(ada, 'cat progress.txt');
  await expect(screen(ada)).toContainText('half-done');
  await ada.context().close();
});
