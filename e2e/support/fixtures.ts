import { test as base, expect, type Browser, type Page } from '@playwright/test';
import { SERVER_START_TIMEOUT_MS, TandemServer } from '../../server/test-support/server-process.js';

/** A person in their own browser context (own localStorage, so their own identity). */
export async function openAs(browser: Browser, server: TandemServer, name: string): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(server.url);
  await page.getByLabel('Your name').fill(name);
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page.getByRole('heading', { name: 'Sessions', exact: true })).toBeVisible();
  return page;
}

export async function createSession(page: Page, title: string): Promise<string> {
  await page.getByLabel('Title').fill(title);
  await page.getByRole('button', { name: 'Create session' }).click();
  await expect(page.getByTestId('session-title')).toHaveText(title);
  await expect(page.getByTestId('connection')).toHaveAttribute('data-state', 'live');
  return page.url();
}

/** Owner mints a link of a role in the share dialog and returns its URL. */
export async function mintShareLink(page: Page, role: 'viewer' | 'editor'): Promise<string> {
  await page.getByRole('button', { name: 'Share' }).click();
  await page.getByRole('button', { name: new RegExp(`New ${role} link`) }).click();
  const url = await page.getByLabel(`${role} link`).first().inputValue();
  await page.getByRole('button', { name: 'Close' }).click();
  return url;
}

/** Opens a share link and joins: the invite page says which session, who invited and the role first. */
export async function joinByLink(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.getByRole('button', { name: 'Join session' }).click();
  await expect(page.getByTestId('session-title')).toBeVisible();
}

export async function addPlanStep(page: Page, title: string): Promise<void> {
  await page.getByLabel('New plan step').fill(title);
  await page.getByLabel('New plan step').press('Enter');
}

export async function sendMessage(page: Page, text: string): Promise<void> {
  await page.getByLabel('Message', { exact: true }).fill(text);
  await page.getByLabel('Message', { exact: true }).press('Enter');
}

/** Types a command into the session's shared terminal and runs it. */
export async function typeInTerminal(page: Page, command: string): Promise<void> {
  await page.getByTestId('terminal').click();
  await page.keyboard.type(command);
  await page.keyboard.press('Enter');
}

/** What the terminal shows now. */
export const terminalScreen = (page: Page) => page.getByTestId('terminal-panel').locator('.xterm-rows');

export const test = base.extend<object, { server: TandemServer }>({
  server: [
    async ({}, use) => {
      const server = await TandemServer.create();
      await server.start();
      await use(server);
      await server.dispose();
    },
    // Above the server's own start deadline, so a slow start fails with its message, not the fixture's.
    { scope: 'worker', timeout: SERVER_START_TIMEOUT_MS + 30_000 },
  ],
});
export { expect };
