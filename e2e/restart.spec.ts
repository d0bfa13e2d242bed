import type { Browser, Page } from '@playwright/test';
import { SERVER_START_TIMEOUT_MS, type TandemServer } from '../server/test-support/server-process.js';
import { addPlanStep, createSession, expect, joinByLink, mintShareLink, openAs, sendMessage, test } from './support/fixtures.js';

// Each test restarts the server (up to twice), and each start may take the server's whole start deadline.
test.describe.configure({ timeout: 60_000 + 2 * SERVER_START_TIMEOUT_MS });

/**
 * Vic, in a browser of his own, opens the session by a viewer link. Tabs of one browser share a
 * session's doc among themselves (BroadcastChannel); another browser gets it from the server only.
 */
async function openAsViewer(browser: Browser, server: TandemServer, viewerLink: string): Promise<Page> {
  const vic = await openAs(browser, server, 'Vic');
  await joinByLink(vic, viewerLink);
  return vic;
}

/** A new tab of the same person: with every other tab of theirs closed, what it shows came from the server. */
async function openNewTab(page: Page, sessionUrl: string): Promise<Page> {
  const tab = await page.context().newPage();
  await tab.goto(sessionUrl);
  await expect(tab.getByTestId('connection')).toHaveAttribute('data-state', 'live', { timeout: 20_000 });
  return tab;
}

test('a server restart keeps every edit, with no page left open to re-send it', async ({ browser, server }) => {
  const ada = await openAs(browser, server, 'Ada');
  const sessionUrl = await createSession(ada, 'Survives restarts');
  await addPlanStep(ada, 'First step');
  await addPlanStep(ada, 'Second step');
  await sendMessage(ada, 'Written before the restart');
  // Vic sees the edits only once the server has them; then every page that holds them closes.
  const vic = await openAsViewer(browser, server, await mintShareLink(ada, 'viewer'));
  await expect(vic.getByTestId('plan-step')).toHaveText([/First step/, /Second step/]);
  await expect(vic.getByTestId('message')).toContainText('Written before the restart');
  await vic.context().close();
  await ada.close();

  await server.stop();
  await server.start();

  // Only the server's store can have brought these back.
  const fresh = await openNewTab(ada, sessionUrl);
  await expect(fresh.getByLabel('Step 1 title')).toHaveValue('First step');
  await expect(fresh.getByLabel('Step 2 title')).toHaveValue('Second step');
  await expect(fresh.getByTestId('message')).toContainText('Written before the restart');
  await fresh.context().close();
});

test('an edit made while the server is down is sent when the page reconnects, and kept', async ({ browser, server }) => {
  const ada = await openAs(browser, server, 'Ada');
  const sessionUrl = await createSession(ada, 'Edited offline');
  await addPlanStep(ada, 'First step');
  await addPlanStep(ada, 'Second step');
  const vic = await openAsViewer(browser, server, await mintShareLink(ada, 'viewer'));
  await expect(vic.getByTestId('plan-step')).toHaveText([/First step/, /Second step/]);
  await vic.close();

  await server.stop();
  await expect(ada.getByTestId('connection')).not.toHaveAttribute('data-state', 'live');
  await ada.getByLabel('Step 2 title').fill('Second step, edited offline');
  await server.start();
  await expect(ada.getByTestId('connection')).toHaveAttribute('data-state', 'live', { timeout: 20_000 });

  // The page re-sent its offline edit: Vic, in his own browser (already a member), sees it.
  const vicAgain = await vic.context().newPage();
  await vicAgain.goto(sessionUrl);
  await expect(vicAgain.getByTestId('plan-step')).toHaveText([/First step/, /Second step, edited offline/]);
  await vic.context().close();
  await ada.close();

  // And the server stored it: after one more restart, with every page closed, it is still there.
  await server.stop();
  await server.start();
  const fresh = await openNewTab(ada, sessionUrl);
  await expect(fresh.getByLabel('Step 1 title')).toHaveValue('First step');
  await expect(fresh.getByLabel('Step 2 title')).toHaveValue('Second step, edited offline');
  await fresh.context().close();
});
