import { mkdir } from 'node:fs/promises';
import type { Locator, Page } from '@playwright/test';
import { MIN_TERMINAL_ROWS, TERMINAL_PATH } from '@tandem/shared/protocol/terminal.js';
import { createSession, expect, joinByLink, mintShareLink, openAs, terminalScreen, test } from './support/fixtures.js';

/** Where the screenshots for the issue note go; the layout test writes them every run. */
const SHOTS_DIR = process.env.TANDEM_SHOTS_DIR ?? '/tmp/shots';

interface Box {
  name: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

async function boxOf(locator: Locator, name: string): Promise<Box> {
  const box = await locator.boundingBox();
  if (!box) throw new Error(`${name} is not on the page`);
  return { name, ...box };
}

/** Fails with the names of any two boxes that overlap (touching edges are fine), or of one cut off by the window's edge. */
function expectApart(boxes: Box[], viewportWidth: number): void {
  const overlaps: string[] = [];
  for (const [index, first] of boxes.entries()) {
    if (first.x < -0.5 || first.x + first.width > viewportWidth + 0.5) overlaps.push(`${first.name} is cut off at the window's edge`);
    for (const second of boxes.slice(index + 1)) {
      const apartX = first.x + first.width <= second.x + 0.5 || second.x + second.width <= first.x + 0.5;
      const apartY = first.y + first.height <= second.y + 0.5 || second.y + second.height <= first.y + 0.5;
      if (!apartX && !apartY) overlaps.push(`${first.name} overlaps ${second.name}`);
    }
  }
  expect(overlaps).toEqual([]);
}

/** The header's parts and the five panels: none overlaps another, none leaves the window. */
async function expectLayoutApart(page: Page): Promise<void> {
  const width = page.viewportSize()?.width ?? 0;
  const header = page.locator('header.top-bar');
  const headerParts = [
    await boxOf(header.locator('.brand'), 'brand'),
    await boxOf(page.getByTestId('session-title'), 'title'),
    await boxOf(header.locator('.session-heading .chip').first(), 'status'),
    await boxOf(page.getByTestId('connection'), 'connection'),
    await boxOf(page.getByTestId('presence'), 'presence'),
    await boxOf(header.locator('.header-actions, .overflow-menu'), 'actions'),
    await boxOf(header.locator('.me'), 'me'),
  ];
  expectApart(headerParts, width);
  // The title is shortened with an ellipsis, never pushed out of the header.
  const headerBox = await boxOf(header, 'header');
  for (const part of headerParts) expect(part.y + part.height, part.name).toBeLessThanOrEqual(headerBox.y + headerBox.height + 0.5);
  const panels = [];
  for (const testId of ['plan-panel', 'files-panel', 'transcript-panel', 'terminal-panel', 'editor-panel']) {
    panels.push(await boxOf(page.getByTestId(testId), testId));
  }
  expectApart([...panels, headerBox], width);
}

test('the terminal survives a very short window: keys typed while it is short reach the shell, and nothing is closed', async ({ browser, server }) => {
  await mkdir(SHOTS_DIR, { recursive: true });
  const ada = await openAs(browser, server, 'Ada');
  const closes: number[] = [];
  const resizes: { cols: number; rows: number }[] = [];
  ada.on('websocket', (socket) => {
    if (!new URL(socket.url()).pathname.startsWith(TERMINAL_PATH)) return;
    socket.on('framesent', (frame) => {
      if (typeof frame.payload !== 'string') return;
      const message = JSON.parse(frame.payload) as { type: string; cols: number; rows: number };
      if (message.type === 'resize') resizes.push({ cols: message.cols, rows: message.rows });
    });
    socket.on('close', () => closes.push(Date.now()));
  });
  await createSession(ada, 'Short window');
  await expect(terminalScreen(ada)).toContainText('tandem@sandbox', { timeout: 30_000 });

  // As short as a window with devtools docked below it: the terminal has no room for even one row.
  await ada.setViewportSize({ width: 1024, height: 300 });
  // The window is short enough that the terminal has no room for the smallest PTY.
  await expect.poll(() => resizes.some((size) => size.rows <= MIN_TERMINAL_ROWS), { timeout: 10_000 }).toBe(true);
  // Typed while short (the terminal keeps its keyboard focus even with no room to show it).
  await ada.getByTestId('terminal').locator('textarea').focus();
  await ada.keyboard.type('echo t-$((6*7))');
  await ada.keyboard.press('Enter');

  await ada.setViewportSize({ width: 1440, height: 900 });
  // The output is computed by the shell, so the echoed command line cannot satisfy this.
  await expect(terminalScreen(ada)).toContainText('t-42');
  await ada.getByTestId('terminal').click();
  await ada.keyboard.type('echo after-$((6*7+1))');
  await ada.keyboard.press('Enter');
  await expect(terminalScreen(ada)).toContainText('after-43');
  await expect(ada.getByTestId('terminal-status')).toHaveAttribute('data-state', 'live');
  // A resize never cost the terminal its connection, and the client never asked for less than a PTY can be.
  expect(closes).toEqual([]);
  expect(resizes.filter((size) => size.rows < MIN_TERMINAL_ROWS)).toEqual([]);
  await ada.screenshot({ path: `${SHOTS_DIR}/terminal-short-restored.png` });
  await ada.context().close();
});

test('the session page reflows at 1440, 1024 and 768 wide without overlap, and each person’s panel sizes are their own and remembered', async ({ browser, server }) => {
  await mkdir(SHOTS_DIR, { recursive: true });
  const ada = await openAs(browser, server, 'Ada Lovelace');
  await createSession(ada, 'Make the slug helper handle accents and long titles gracefully');
  await expect(terminalScreen(ada)).toContainText('tandem@sandbox', { timeout: 30_000 });

  // Wide: everything side by side, actions inline.
  await expectLayoutApart(ada);
  await expect(ada.getByRole('button', { name: 'Share' })).toBeVisible();
  await ada.screenshot({ path: `${SHOTS_DIR}/layout-1440.png` });

  // Drag the right column wider and give the terminal more height.
  const terminalBefore = await boxOf(ada.getByTestId('terminal-panel'), 'terminal');
  await drag(ada, ada.getByRole('separator', { name: 'Resize the right column' }), { x: -200, y: 0 });
  await drag(ada, ada.getByRole('separator', { name: 'Resize terminal and editor' }), { x: 0, y: 150 });
  const terminalAfter = await boxOf(ada.getByTestId('terminal-panel'), 'terminal');
  expect(terminalAfter.width).toBeGreaterThan(terminalBefore.width + 150);
  expect(terminalAfter.height).toBeGreaterThan(terminalBefore.height + 100);
  // The keyboard moves a handle too.
  await ada.getByRole('separator', { name: 'Resize the left column' }).focus();
  const planBefore = await boxOf(ada.getByTestId('plan-panel'), 'plan');
  await ada.keyboard.press('ArrowRight');
  await expect.poll(async () => (await boxOf(ada.getByTestId('plan-panel'), 'plan')).width).toBeGreaterThan(planBefore.width + 10);

  // Remembered for this person after a reload…
  await ada.reload();
  await expect(terminalScreen(ada)).toContainText('tandem@sandbox', { timeout: 30_000 });
  const terminalReloaded = await boxOf(ada.getByTestId('terminal-panel'), 'terminal');
  expect(Math.abs(terminalReloaded.width - terminalAfter.width)).toBeLessThan(3);
  expect(Math.abs(terminalReloaded.height - terminalAfter.height)).toBeLessThan(3);
  // …and only for them: someone else in the same session keeps the default layout.
  const bob = await openAs(browser, server, 'Bob');
  await joinByLink(bob, await mintShareLink(ada, 'editor'));
  await expect(terminalScreen(bob)).toContainText('tandem@sandbox', { timeout: 30_000 });
  expect(Math.abs((await boxOf(bob.getByTestId('terminal-panel'), 'terminal')).width - terminalBefore.width)).toBeLessThan(3);
  await bob.context().close();

  // Back to the default layout for the screenshots.
  await ada.evaluate(() => {
    for (const key of Object.keys(window.localStorage)) if (key.startsWith('tandem.layout.')) window.localStorage.removeItem(key);
  });
  await ada.reload();
  await expect(terminalScreen(ada)).toContainText('tandem@sandbox', { timeout: 30_000 });

  // 1024 wide: the columns stay side by side; header actions fold into a menu that works.
  await ada.setViewportSize({ width: 1024, height: 768 });
  await expect(ada.getByRole('button', { name: 'More actions' })).toBeVisible();
  await expectLayoutApart(ada);
  await ada.screenshot({ path: `${SHOTS_DIR}/layout-1024.png` });
  await ada.getByRole('button', { name: 'More actions' }).click();
  await expect(ada.getByRole('button', { name: 'End session' })).toBeVisible();
  await ada.getByRole('button', { name: 'Share' }).click();
  await expect(ada.getByRole('button', { name: /New editor link/ })).toBeVisible();
  await ada.getByRole('button', { name: 'Close' }).click();
  await ada.keyboard.press('Escape');
  await expect(ada.getByRole('button', { name: 'End session' })).toBeHidden();

  // 768 wide: the columns stack, each panel the full width, the terminal tall enough to use.
  await ada.setViewportSize({ width: 768, height: 1024 });
  await expectLayoutApart(ada);
  const terminalStacked = await boxOf(ada.getByTestId('terminal-panel'), 'terminal');
  expect(terminalStacked.width).toBeGreaterThan(700);
  expect(terminalStacked.height).toBeGreaterThan(200);
  await ada.screenshot({ path: `${SHOTS_DIR}/layout-768.png`, fullPage: true });
  // The terminal still takes keys in the stacked layout.
  await ada.getByTestId('terminal').scrollIntoViewIfNeeded();
  await ada.getByTestId('terminal').click();
  await ada.keyboard.type('echo stacked-$((6*7))');
  await ada.keyboard.press('Enter');
  await expect(terminalScreen(ada)).toContainText('stacked-42');
  await ada.context().close();
});

/** Drags a handle by an offset with the mouse, in steps as a hand would. */
async function drag(page: Page, handle: Locator, offset: { x: number; y: number }): Promise<void> {
  const box = await boxOf(handle, 'handle');
  const start = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
  await page.mouse.move(start.x, start.y);
  await page.mouse.down();
  await page.mouse.move(start.x + offset.x, start.y + offset.y, { steps: 8 });
  await page.mouse.up();
}
