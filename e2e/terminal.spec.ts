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

test('a viewer in a small window scrolls the editors’ terminal; it never shrinks the PTY', async ({ browser, server }, testInfo) => {
  const ada = await openAs(browser, server, 'Ada');
  await createSession(ada, 'Big shell, small viewer');
  await expect(terminalScreen(ada)).toContainText('tandem@sandbox', { timeout: 30_000 });
  const viewerLink = await mintShareLink(ada, 'viewer');
  // The size the shell itself reports (rows x columns), behind a marker the echoed command cannot match.
  const shellSize = async (marker: string) => {
    await typeInTerminal(ada, `echo ${marker}-$(stty size | tr ' ' x)-$((6*7))`);
    const line = new RegExp(`${marker}-(\\d+x\\d+)-42`);
    await expect(terminalScreen(ada)).toContainText(line);
    return line.exec((await terminalScreen(ada).textContent()) ?? '')![1];
  };
  const before = await shellSize('before');

  const vic = await openAs(browser, server, 'Vic');
  await vic.setViewportSize({ width: 440, height: 520 });
  await joinByLink(vic, viewerLink);
  // The narrow layout stacks the panels: the terminal is further down (xterm draws only what is on screen).
  await vic.getByTestId('terminal-panel').scrollIntoViewIfNeeded();
  await expect(terminalScreen(vic)).toContainText(`before-${before}-42`, { timeout: 20_000 });
  // Vic's screen is smaller than the terminal: he is told, and his view scrolls to show all of it.
  await expect(vic.getByTestId('terminal-size-hint')).toContainText('sized for the editors’ screens');
  const host = vic.getByTestId('terminal');
  const overflow = await host.evaluate((element) => ({ wide: element.scrollWidth > element.clientWidth, tall: element.scrollHeight > element.clientHeight }));
  expect(overflow.wide || overflow.tall).toBe(true);
  await vic.getByTestId('terminal-panel').screenshot({ path: testInfo.outputPath('viewer-small-window.png') });
  await host.evaluate((element) => element.scrollTo({ left: element.scrollWidth }));
  await vic.getByTestId('terminal-panel').screenshot({ path: testInfo.outputPath('viewer-scrolled.png') });

  // Ada's shell keeps her size, however small Vic's window.
  await vic.setViewportSize({ width: 360, height: 360 });
  expect(await shellSize('after')).toBe(before);
  await expect(ada.getByTestId('terminal-size-hint')).toHaveCount(0);
  await ada.screenshot({ path: testInfo.outputPath('editor.png') });

  for (const page of [ada, vic]) await page.context().close();
});
