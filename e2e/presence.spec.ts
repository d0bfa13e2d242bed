import type { Page } from '@playwright/test';
import { createSession, expect, joinByLink, mintShareLink, openAs, test } from './support/fixtures.js';

const editor = (page: Page) => page.getByTestId('code-editor').locator('.view-lines');
const presencePerson = (page: Page, name: string) => page.getByTestId('presence').locator(`[data-testid="presence-person"][data-name="${name}"]`);

async function openInEditor(page: Page, folder: string, file: string) {
  await page.getByTestId('file-tree').getByRole('button', { name: folder, exact: true }).click();
  await page.locator(`[data-testid="tree-file"][data-path="${folder}/${file}"]`).click();
  // Monaco loads on first use; on a busy machine its chunk takes a while.
  await expect(editor(page)).toContainText('export function slugify', { timeout: 45_000 });
}

test('presence stays true while people use the editor: their own avatar and the others’ view of them stay', async ({ browser, server }) => {
  const ada = await openAs(browser, server, 'Ada');
  await createSession(ada, 'Presence in the editor');
  await expect(ada.getByTestId('waterfall')).toContainText('ready in', { timeout: 30_000 });
  const bob = await openAs(browser, server, 'Bob');
  await joinByLink(bob, await mintShareLink(ada, 'editor'));
  for (const page of [ada, bob]) {
    await expect(presencePerson(page, 'Ada')).toBeVisible();
    await expect(presencePerson(page, 'Bob')).toBeVisible();
  }

  // Ada opens a file and clicks into it: y-monaco now puts her cursor (Yjs relative positions) in her presence.
  await openInEditor(ada, 'src', 'slugify.js');
  await openInEditor(bob, 'src', 'slugify.js');
  await editor(ada).click();
  await ada.keyboard.press('Control+Home');
  await ada.keyboard.press('End');
  await ada.keyboard.press('Shift+ArrowLeft');
  // Bob sees Ada's cursor in the file, so her selection went out through awareness…
  await expect(bob.locator('[class*="yRemoteSelectionHead-"]').first()).toBeAttached();
  await expect(bob.locator('.editor-people [aria-label="Ada"]')).toBeVisible();
  // …and both still see Ada: her own tab read its own state, the server let the update through.
  await expect(presencePerson(ada, 'Ada')).toBeVisible();
  await expect(presencePerson(ada, 'Ada')).toHaveAttribute('title', /Ada \(you\) — in the editor/);
  await expect(presencePerson(bob, 'Ada')).toHaveAttribute('title', /Ada — in the editor/);
  await expect(ada.getByTestId('presence')).toContainText('2 here');

  // Bob works in the same file too; each keeps seeing the other and themself.
  await editor(bob).click();
  await bob.keyboard.press('Control+End');
  await bob.keyboard.type(' ');
  await expect(ada.locator('[class*="yRemoteSelectionHead-"]').first()).toBeAttached();
  for (const page of [ada, bob]) {
    await expect(presencePerson(page, 'Ada')).toBeVisible();
    await expect(presencePerson(page, 'Bob')).toBeVisible();
  }
  // The connection stayed up throughout: no presence update was refused.
  await expect(ada.getByTestId('connection')).toHaveAttribute('data-state', 'live');
  await expect(bob.getByTestId('connection')).toHaveAttribute('data-state', 'live');

  for (const page of [ada, bob]) await page.context().close();
});
