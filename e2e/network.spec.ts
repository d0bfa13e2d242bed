import { createSession, expect, joinByLink, mintShareLink, openAs, terminalScreen, test, typeInTerminal } from './support/fixtures.js';

test('a refused connection shows live to everyone as "denied — allow for this session?"; an editor allows it, said in the transcript', async ({ browser, server }) => {
  test.setTimeout(180_000);
  const ada = await openAs(browser, server, 'Ada');
  await createSession(ada, 'Fetch the docs page');
  const editorLink = await mintShareLink(ada, 'editor');
  const bob = await openAs(browser, server, 'Bob');
  await joinByLink(bob, editorLink);

  await expect(terminalScreen(ada)).toContainText('tandem@sandbox', { timeout: 30_000 });
  // The shell's proxy settings are the sandbox's: curl goes through Tandem's proxy and is refused.
  await expect(async () => {
    await typeInTerminal(ada, 'curl -s http://docs.example.org/guide | head -n 2');
    await expect(terminalScreen(ada)).toContainText("refused the connection to docs.example.org:80", { timeout: 3_000 });
  }).toPass({ timeout: 20_000 });

  const prompt = bob.getByTestId('network-denied');
  await expect(prompt).toContainText('The sandbox tried to reach docs.example.org:80: denied — Allow for this session?');
  await expect(ada.getByTestId('network-denied')).toContainText('docs.example.org:80');
  await bob.screenshot({ path: '/tmp/shots/network-denied.png' });

  await prompt.getByRole('button', { name: 'Allow for this session' }).click();
  await expect(bob.getByTestId('network-denied')).toHaveCount(0);
  await expect(ada.getByTestId('network-denied')).toHaveCount(0);
  await expect(ada.getByTestId('transcript-panel')).toContainText('Bob allowed the sandbox to reach docs.example.org for the rest of this session.');
  await ada.context().close();
  await bob.context().close();
});
