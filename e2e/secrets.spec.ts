import { createHash, randomBytes } from 'node:crypto';
import { createSession, expect, joinByLink, mintShareLink, openAs, terminalScreen, test, typeInTerminal } from './support/fixtures.js';

test('the owner adds a secret in the Secrets dialog; a new terminal has it, shown redacted to everyone; an editor sees only its name', async ({ browser, server }) => {
  // A new sandbox, two browsers and a second shell: more than the default on a busy machine.
  test.setTimeout(180_000);
  const value = `sk-e2e-${randomBytes(10).toString('hex')}`;
  const ada = await openAs(browser, server, 'Ada');
  await createSession(ada, 'Secrets for the tests');
  const editorLink = await mintShareLink(ada, 'editor');

  await ada.getByRole('button', { name: 'Secrets' }).click();
  const dialog = ada.getByRole('dialog', { name: 'Secrets' });
  await expect(dialog.getByText('No secrets yet.')).toBeVisible();
  await dialog.getByLabel('Name').fill('api_token');
  await expect(dialog.getByLabel('Name')).toHaveValue('API_TOKEN');
  await dialog.getByLabel('Value').fill(value);
  await dialog.getByRole('button', { name: 'Add' }).click();
  await expect(dialog.getByTestId('secret-list').locator('li[data-scope="repo"]')).toContainText('API_TOKEN');
  await expect(dialog.getByLabel('Value')).toHaveValue('');
  expect(await ada.content()).not.toContain(value);
  await dialog.getByRole('button', { name: 'Close' }).click();

  // A terminal opened now gets the secret; its value is shown as the secret's name.
  await ada.getByRole('button', { name: 'Open another terminal' }).click();
  await expect(ada.getByRole('tab', { name: 'shell 2', selected: true })).toBeVisible();
  await expect(terminalScreen(ada)).toContainText('tandem@sandbox', { timeout: 20_000 });
  // The new tab's socket may still be opening when its first prompt shows: type again until the shell answers.
  await expect(async () => {
    await typeInTerminal(ada, 'echo "got:$API_TOKEN"; printf "sha:%s\\n" "$(printenv API_TOKEN | sha256sum | cut -c1-16)"');
    await expect(terminalScreen(ada)).toContainText('got:[secret API_TOKEN]', { timeout: 3_000 });
  }).toPass({ timeout: 20_000 });
  // The shell has exactly the value: the start of its hash, which nothing else on the page holds.
  await expect(terminalScreen(ada)).toContainText(`sha:${createHash('sha256').update(`${value}\n`).digest('hex').slice(0, 16)}`);
  await expect(terminalScreen(ada)).not.toContainText(value);

  const bob = await openAs(browser, server, 'Bob');
  await joinByLink(bob, editorLink);
  await bob.getByRole('button', { name: 'Secrets' }).click();
  const bobDialog = bob.getByRole('dialog', { name: 'Secrets' });
  await expect(bobDialog.getByTestId('secret-list')).toContainText('API_TOKEN');
  await expect(bobDialog.getByRole('button', { name: 'Add' })).toHaveCount(0);
  await expect(bobDialog.getByRole('button', { name: 'Delete API_TOKEN' })).toHaveCount(0);
  await expect(bobDialog.getByText('Only the session’s owner')).toBeVisible();
  expect(await bob.content()).not.toContain(value);

  await ada.getByRole('button', { name: 'Secrets' }).click();
  await ada.getByRole('dialog', { name: 'Secrets' }).getByLabel('Name').fill('DATABASE_URL');
  await ada.screenshot({ path: '/tmp/shots/secrets.png' });
  await ada.getByRole('dialog', { name: 'Secrets' }).getByRole('button', { name: 'Delete API_TOKEN' }).click();
  await expect(ada.getByRole('dialog', { name: 'Secrets' }).getByText('No secrets yet.')).toBeVisible();
  await ada.context().close();
  await bob.context().close();
});
