import { addPlanStep, createSession, expect, joinByLink, mintShareLink, openAs, sendMessage, test } from './support/fixtures.js';

test('two people on one session see each other, the plan and the chat live', async ({ browser, server }) => {
  const ada = await openAs(browser, server, 'Ada Lovelace');
  const sessionUrl = await createSession(ada, 'Fix the date parser');
  const editorLink = await mintShareLink(ada, 'editor');

  const bob = await openAs(browser, server, 'Bob Kahn');
  await joinByLink(bob, editorLink);
  await expect(bob).toHaveURL(sessionUrl);
  await expect(bob.getByTestId('session-title')).toHaveText('Fix the date parser');

  // Presence: each sees the other.
  await expect(ada.locator('[data-testid="presence-person"][data-name="Bob Kahn"]')).toBeVisible();
  await expect(bob.locator('[data-testid="presence-person"][data-name="Ada Lovelace"]')).toBeVisible();

  // A plan step added in one tab appears in the other; a rename travels back.
  await addPlanStep(ada, 'Reproduce the failing test');
  await expect(bob.getByLabel('Step 1 title')).toHaveValue('Reproduce the failing test');
  await bob.getByLabel('Step 1 title').fill('Reproduce the failing date test');
  await expect(ada.getByLabel('Step 1 title')).toHaveValue('Reproduce the failing date test');
  await bob.getByLabel('Step 1: To do').click();
  await expect(ada.getByLabel('Step 1: In progress')).toBeVisible();

  // Chat: author and time shown to everyone.
  await sendMessage(bob, 'I can take the parser tests');
  const message = ada.getByTestId('message').filter({ hasText: 'I can take the parser tests' });
  await expect(message).toContainText('Bob Kahn');
  await expect(message.locator('time')).toBeVisible();

  // Bob leaves; Ada sees it.
  await bob.context().close();
  await expect(ada.locator('[data-testid="presence-person"][data-name="Bob Kahn"]')).toHaveCount(0);
  await ada.context().close();
});

test('a viewer watches but cannot change anything, and a revoked link closes their tab', async ({ browser, server }) => {
  const ada = await openAs(browser, server, 'Ada');
  await createSession(ada, 'Viewer rules');
  const viewerLink = await mintShareLink(ada, 'viewer');
  const vic = await openAs(browser, server, 'Vic');
  await joinByLink(vic, viewerLink);
  await expect(vic.getByTestId('session-title')).toHaveText('Viewer rules');

  await addPlanStep(ada, 'Owner step');
  await expect(vic.getByTestId('plan-step')).toHaveText(/Owner step/);
  await expect(vic.getByLabel('New plan step')).toHaveCount(0);
  await expect(vic.getByLabel('Message', { exact: true })).toHaveCount(0);
  await expect(vic.getByText('You are watching')).toBeVisible();

  await ada.getByRole('button', { name: 'Share' }).click();
  await ada.getByRole('button', { name: 'Revoke' }).click();
  await expect(ada.getByTestId('share-links')).toContainText('No active links');
  await expect(vic.getByTestId('connection')).toHaveAttribute('data-state', 'closed');
  await expect(vic.getByText('was revoked')).toBeVisible();
  await ada.context().close();
  await vic.context().close();
});
