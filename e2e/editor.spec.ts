import type { Page } from '@playwright/test';
import { textReply, toolReply } from '../server/test-support/fake-anthropic.js';
import { test } from './support/agent-fixtures.js';
import { createSession, expect, joinByLink, mintShareLink, openAs, terminalScreen, typeInTerminal } from './support/fixtures.js';

const editor = (page: Page) => page.getByTestId('code-editor').locator('.view-lines');

async function openInEditor(page: Page, folder: string, file: string) {
  await page.getByTestId('file-tree').getByRole('button', { name: folder, exact: true }).click();
  await page.locator(`[data-testid="tree-file"][data-path="${folder}/${file}"]`).click();
  await expect(editor(page)).toContainText('export function slugify', { timeout: 20_000 });
}

/** Puts the cursor at the end of a line of the open file (1-based) and types there. */
async function typeAtLineEnd(page: Page, line: number, text: string, delay = 0) {
  await editor(page).click();
  await page.keyboard.press('Control+Home');
  for (let index = 1; index < line; index += 1) await page.keyboard.press('ArrowDown');
  await page.keyboard.press('End');
  await page.keyboard.type(text, { delay });
}

test('two people and the agent edit one file together; editors, sandbox and terminal agree', async ({ browser, agentServer, fakeModel }) => {
  // Two browsers, Monaco, an agent run and the terminal: over a minute on a busy 2-core machine.
  test.setTimeout(180_000);
  const ada = await openAs(browser, agentServer, 'Ada');
  await createSession(ada, 'Edit together');
  await expect(ada.getByTestId('waterfall')).toContainText('ready in', { timeout: 30_000 });
  const bob = await openAs(browser, agentServer, 'Bob');
  await joinByLink(bob, await mintShareLink(ada, 'editor'));

  await openInEditor(ada, 'src', 'slugify.js');
  await openInEditor(bob, 'src', 'slugify.js');
  // Each sees the other in the file (avatar in the editor's tab bar).
  await expect(ada.locator('.editor-people [aria-label="Bob"]')).toBeVisible();

  // Both type at once on different lines; both converge on both edits.
  await Promise.all([typeAtLineEnd(ada, 1, ' // Ada was here', 20), typeAtLineEnd(bob, 4, ' Bob too.', 20)]);
  for (const page of [ada, bob]) {
    await expect(editor(page)).toContainText('// @ts-check // Ada was here');
    await expect(editor(page)).toContainText('lower case, words joined by single dashes. Bob too.');
  }

  // The agent edits the file while Ada keeps typing in it: both changes are kept.
  const firstRequest = fakeModel.requests.length;
  fakeModel.setScript((_request, index) => {
    if (index === firstRequest) {
      return toolReply('edit_file', { path: 'src/slugify.js', old_string: 'words joined by single dashes', new_string: 'words joined by exactly one dash' });
    }
    return textReply('Reworded the doc comment.');
  });
  await ada.getByLabel('Message', { exact: true }).fill('Reword the doc comment.');
  await ada.getByRole('button', { name: 'Ask agent' }).click();
  await typeAtLineEnd(ada, 9, ' // still typing', 60);
  await expect(ada.getByTestId('agent-bar')).toHaveAttribute('data-state', 'done', { timeout: 20_000 });
  for (const page of [ada, bob]) {
    await expect(editor(page)).toContainText('words joined by exactly one dash. Bob too.');
    await expect(editor(page)).toContainText('// still typing');
  }

  // The terminal shows the merged file from the sandbox.
  await typeInTerminal(bob, 'echo merged-$(grep -c -e "Ada was here" -e "exactly one dash. Bob too" -e "still typing" src/slugify.js)');
  await expect(terminalScreen(bob)).toContainText('merged-3', { timeout: 10_000 });

  // The changes view lists the file with its diff; the transcript links the file to the editor.
  await ada.getByRole('tab', { name: 'Changes' }).click();
  await expect(ada.locator('[data-testid="change"][data-path="src/slugify.js"]')).toContainText('+ * Turns a title into a URL slug: lower case, words joined by exactly one dash. Bob too.');
  await ada.getByRole('button', { name: 'src/slugify.js', exact: true }).first().click();
  await expect(editor(ada)).toContainText('// still typing');

  for (const page of [ada, bob]) await page.context().close();
});
