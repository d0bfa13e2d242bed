import { createSession, expect, joinByLink, mintShareLink, openAs, terminalScreen, test, typeInTerminal } from './support/fixtures.js';

// Three browsers and a sandbox booting: on a loaded 2-core machine the steps take minutes, not seconds.
test.describe.configure({ timeout: 180_000 });

test('two people share one real shell; a viewer’s keys change nothing; a late joiner sees earlier output', async ({ browser, server }) => {
  const ada = await openAs(browser, server, 'Ada');
  await createSession(ada, 'Shared shell');
  await expect(ada.getByTestId('waterfall')).toContainText('ready in', { timeout: 30_000 });
  const editorLink = await mintShareLink(ada, 'editor');
  const viewerLink = await mintShareLink(ada, 'viewer');

  const bob = await openAs(browser, server, 'Bob');
  await joinByLink(bob, editorLink);
  await expect(terminalScreen(bob)).toContainText('tandem@sandbox', { timeout: 20_000 });

  await typeInTerminal(ada, 'echo hello-from-$((20+22))');
  await expect(terminalScreen(bob)).toContainText('hello-from-42');

  // Markers the shell computes: the terminal's echo of the typed command cannot satisfy the wait.
  await typeInTerminal(bob, 'echo bob-$((6*7)) > bob.txt && cat bob.txt');
  await expect(terminalScreen(ada)).toContainText('bob-42');

  const vic = await openAs(browser, server, 'Vic');
  await joinByLink(vic, viewerLink);
  // Late joiner: the earlier output arrives first.
  await expect(terminalScreen(vic)).toContainText('hello-from-42', { timeout: 20_000 });
  await vic.getByTestId('terminal').click();
  await vic.keyboard.type('rm bob.txt');
  await vic.keyboard.press('Enter');
  await expect(vic.getByText('only editors can type')).toBeVisible();

  // Vic's keys reached nothing: his line never showed, and the file is still there.
  await typeInTerminal(ada, 'ls bob.txt && echo still-$((40+2))');
  await expect(terminalScreen(ada)).toContainText('still-42');
  await expect(terminalScreen(ada)).not.toContainText('rm bob.txt');

  for (const page of [ada, bob, vic]) await page.context().close();
});
