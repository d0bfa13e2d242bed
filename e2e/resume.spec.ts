import { mkdir } from 'node:fs/promises';
import { addPlanStep, createSession, expect, joinByLink, mintShareLink, openAs, sendMessage, terminalScreen, test, typeInTerminal } from './support/fixtures.js';

const SHOTS = '/tmp/shots';

test('the owner ends a session in the app; the editor’s old tab follows to the resumed one, with the plan, the history and both people', async ({ browser, server }) => {
  test.setTimeout(150_000);
  await mkdir(SHOTS, { recursive: true });
  const ada = await openAs(browser, server, 'Ada');
  await createSession(ada, 'Pick up later');
  const bob = await openAs(browser, server, 'Bob');
  await joinByLink(bob, await mintShareLink(ada, 'editor'));
  await expect(bob.getByTestId('session-title')).toHaveText('Pick up later');

  await addPlanStep(ada, 'Write the parser');
  await expect(bob.getByLabel('Step 1 title')).toHaveValue('Write the parser');
  await sendMessage(bob, 'I will take the tests after the break.');
  await expect(ada.getByTestId('transcript-panel')).toContainText('I will take the tests after the break.');
  await expect(terminalScreen(ada)).toContainText('tandem@sandbox', { timeout: 30_000 });
  await typeInTerminal(ada, 'echo half-done > progress.txt && echo wrote-$((6*7))');
  await expect(terminalScreen(ada)).toContainText('wrote-42');

  // Ending asks in the page, not in a browser prompt; cancelling keeps the session going.
  ada.on('dialog', (dialog) => {
    throw new Error(`a browser dialog opened: ${dialog.message()}`);
  });
  await ada.getByRole('button', { name: 'End session' }).click();
  const ask = ada.getByRole('alertdialog', { name: 'End this session for everyone?' });
  await expect(ask).toContainText('The workspace is saved');
  await ada.screenshot({ path: `${SHOTS}/resume-end-dialog.png` });
  await ask.getByRole('button', { name: 'Cancel' }).click();
  await expect(ask).toHaveCount(0);
  await expect(ada.getByTestId('ended-banner')).toHaveCount(0);
  await ada.getByRole('button', { name: 'End session' }).click();
  await ask.getByRole('button', { name: 'End session' }).click();
  await expect(ada.getByTestId('ended-banner')).toContainText('Its workspace was saved.', { timeout: 20_000 });
  await expect(bob.getByTestId('ended-banner')).toBeVisible();
  await expect(bob.getByTestId('session-state')).toHaveText('Ended');
  await expect(bob.getByTestId('transcript-panel')).not.toContainText('Ask the owner');

  await ada.getByRole('button', { name: 'Resume in a new session' }).click();
  await expect(ada.getByTestId('session-title')).toHaveText('Pick up later (resumed)');

  // Bob's tab, still on the ended session, learns where everyone went and follows in one click.
  const follow = bob.getByTestId('continuation-link');
  await expect(follow).toHaveText('Continued in Pick up later (resumed) →', { timeout: 15_000 });
  await bob.screenshot({ path: `${SHOTS}/resume-ended-with-continuation.png` });
  await follow.click();
  await expect(bob.getByTestId('session-title')).toHaveText('Pick up later (resumed)');
  await expect(bob.getByTestId('connection')).toHaveAttribute('data-state', 'live');

  // Both see the carried plan and conversation; Bob is still an editor there.
  for (const page of [ada, bob]) {
    await expect(page.getByLabel('Step 1 title')).toHaveValue('Write the parser');
    await expect(page.getByTestId('transcript-panel')).toContainText('I will take the tests after the break.');
    await expect(page.getByTestId('transcript-panel')).toContainText('Resumed from “Pick up later”');
  }
  await expect(bob.locator('.chip.role')).toHaveText('Editor');
  await sendMessage(bob, 'Back, and still an editor.');
  await expect(ada.getByTestId('transcript-panel')).toContainText('Back, and still an editor.');

  await expect(terminalScreen(ada)).toContainText('tandem@sandbox', { timeout: 30_000 });
  await typeInTerminal(ada, 'cat progress.txt');
  await expect(terminalScreen(ada)).toContainText('half-done');
  await ada.screenshot({ path: `${SHOTS}/resume-resumed-with-history.png` });

  // The access carried over is listed as links the owner can revoke, with the people they hold.
  await ada.getByRole('button', { name: 'Share' }).click();
  await expect(ada.getByTestId('share-links').locator('li[data-role="editor"]')).toContainText('carried over from “Pick up later” · 1 person');
  await ada.screenshot({ path: `${SHOTS}/share-dialog-carried.png` });
  for (const page of [ada, bob]) await page.context().close();
});

test('an invite says which session, who invited and the role before joining; the share dialog copies a new link in one click and counts its uses', async ({ browser, server }) => {
  await mkdir(SHOTS, { recursive: true });
  const ada = await openAs(browser, server, 'Ada');
  await createSession(ada, 'Fix the flaky parser test');
  await ada.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });

  await ada.getByRole('button', { name: 'Share' }).click();
  await ada.getByRole('button', { name: /New viewer link/ }).click();
  const fresh = ada.getByTestId('new-share-link');
  await expect(fresh).toContainText('Copied to your clipboard');
  const url = await ada.getByLabel('viewer link').inputValue();
  expect(await ada.evaluate(() => navigator.clipboard.readText())).toBe(url);
  await expect(ada.getByTestId('share-links').locator('li[data-role="viewer"]')).toContainText('created just now · not used yet');

  const vic = await openAs(browser, server, 'Vic');
  await vic.goto(url);
  const invite = vic.getByTestId('invite');
  await expect(invite).toContainText('Ada invited you to a Tandem session');
  await expect(vic.getByTestId('invite-title')).toHaveText('Fix the flaky parser test');
  await expect(invite).toContainText('You join as a viewer');
  await vic.screenshot({ path: `${SHOTS}/invite-page.png` });
  await vic.getByRole('button', { name: 'Join session' }).click();
  await expect(vic.getByTestId('session-title')).toHaveText('Fix the flaky parser test');

  // The owner's list shows the use (reopened, as the list is read when the dialog opens).
  await ada.getByRole('button', { name: 'Close' }).click();
  await ada.getByRole('button', { name: 'Share' }).click();
  await expect(ada.getByTestId('share-links').locator('li[data-role="viewer"]')).toContainText('used once');
  await ada.getByRole('button', { name: /New editor link/ }).click();
  await expect(ada.getByRole('button', { name: 'Copied ✓' })).toBeVisible();
  await ada.screenshot({ path: `${SHOTS}/share-dialog.png` });
  for (const page of [ada, vic]) await page.context().close();
});
