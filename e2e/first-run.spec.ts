import { mkdir, mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { SERVER_START_TIMEOUT_MS, TandemServer } from '../server/test-support/server-process.js';
import { createSession, expect, mintShareLink, openAs, test } from './support/fixtures.js';

test.describe.configure({ timeout: SERVER_START_TIMEOUT_MS + 60_000 });

/**
 * A PATH like this machine's, less bubblewrap: every command on PATH is linked in except bwrap, so
 * the server's real tool check sees a fresh machine (nothing is uninstalled).
 */
async function pathWithout(command: string): Promise<{ dir: string; dispose(): Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tandem-path-'));
  const bin = path.join(dir, 'bin');
  await mkdir(bin);
  const seen = new Set([command]);
  for (const source of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    for (const name of await readdir(source).catch(() => [] as string[])) {
      if (seen.has(name)) continue;
      seen.add(name);
      await symlink(path.join(source, name), path.join(bin, name));
    }
  }
  return { dir: bin, dispose: () => rm(dir, { recursive: true, force: true }) };
}

test('without bubblewrap the server still serves the app, and every session page says the one command to run', async ({ browser }) => {
  const searchPath = await pathWithout('bwrap');
  const server = await TandemServer.create({ PATH: searchPath.dir });
  try {
    await server.start();
    const command = `${process.getuid?.() === 0 ? '' : 'sudo '}apt-get install -y bubblewrap`;
    const ada = await openAs(browser, server, 'Ada');
    await createSession(ada, 'First run on a fresh machine');
    await expect(ada.getByTestId('sandbox-unavailable')).toContainText('This server cannot run sandboxes yet');
    await expect(ada.getByTestId('sandbox-unavailable')).toContainText('bwrap');
    await expect(ada.getByTestId('sandbox-fix')).toHaveText(command);
    await mkdir('/tmp/shots', { recursive: true });
    await ada.screenshot({ path: '/tmp/shots/first-run-no-bwrap.png' });

    // A person joining by link sees the same, and chat still works for both.
    const link = await mintShareLink(ada, 'viewer');
    const vic = await openAs(browser, server, 'Vic');
    await vic.goto(link);
    // The invite page may ask before joining; either way Vic ends on the session.
    const join = vic.getByRole('button', { name: 'Join session' });
    await expect(vic.getByTestId('sandbox-fix').or(join)).toBeVisible();
    if (await join.isVisible()) await join.click();
    await expect(vic.getByTestId('sandbox-fix')).toHaveText(command);
    for (const page of [ada, vic]) await page.context().close();
  } finally {
    await server.dispose();
    await searchPath.dispose();
  }
});
