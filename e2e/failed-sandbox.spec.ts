import { mkdir, mkdtemp, rm, writeFile, chmod } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { TandemServer } from '../server/test-support/server-process.js';
import { expect, joinByLink, mintShareLink, openAs, terminalScreen, test as base, typeInTerminal } from './support/fixtures.js';

/** Repos made for this spec, under a root the server is told to allow. */
interface RepoRoot {
  dir: string;
  /** A plain folder whose .tandem/setup.sh prints a line and ends with `exit <code>`. */
  repo(name: string, setupExitCode: number): Promise<string>;
}

// A server of its own: it allows a temp folder as a repo root, which the shared server does not.
const test = base.extend<{ repos: RepoRoot; retryServer: TandemServer }>({
  repos: async ({}, use) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tandem-e2e-repos-'));
    await chmod(dir, 0o755);
    await use({
      dir,
      async repo(name, setupExitCode) {
        const repo = path.join(dir, name);
        await mkdir(path.join(repo, '.tandem'), { recursive: true });
        await writeFile(path.join(repo, 'README.md'), `# ${name}\n`);
        await writeFile(path.join(repo, '.tandem', 'setup.sh'), `echo "installing ${name}"\nexit ${setupExitCode}\n`);
        return repo;
      },
    });
    await rm(dir, { recursive: true, force: true });
  },
  retryServer: async ({ repos }, use) => {
    const server = await TandemServer.create({ TANDEM_REPO_ROOTS: [process.cwd(), repos.dir].join(','), TANDEM_WARM_POOL_SIZE: '0' });
    await server.start();
    await use(server);
    await server.dispose();
  },
});
// Two browsers and two sandbox starts on a loaded 2-core machine.
test.describe.configure({ timeout: 180_000 });

test('the owner sees why the sandbox failed, points the session at another repo in the page and gets a working terminal', async ({ browser, retryServer, repos }) => {
  const broken = await repos.repo('broken-setup', 1);
  const good = await repos.repo('good-setup', 0);
  const ada = await openAs(browser, retryServer, 'Ada');
  await ada.getByLabel('Title').fill('Setup that fails');
  await ada.getByLabel('Repository path').fill(broken);
  await ada.getByRole('button', { name: 'Create session' }).click();

  const failed = ada.getByTestId('sandbox-failed');
  await expect(failed).toContainText('The sandbox could not start', { timeout: 60_000 });
  await expect(ada.getByTestId('sandbox-reason')).toContainText('.tandem/setup.sh failed (exit 1)');
  await expect(ada.getByTestId('sandbox-reason')).toContainText('installing broken-setup');
  await expect(failed.getByRole('button', { name: 'Try again' })).toBeEnabled();
  const repoField = failed.getByLabel('Repo path');
  await expect(repoField).toHaveValue(broken);
  await expect(ada.getByTestId('transcript-panel')).toContainText('an editor can press Try again');
  await expect(ada.getByText('reload the page')).toHaveCount(0);

  // An editor may try again but not move the session.
  const bob = await openAs(browser, retryServer, 'Bob');
  await joinByLink(bob, await mintShareLink(ada, 'editor'));
  await expect(bob.getByTestId('sandbox-failed').getByRole('button', { name: 'Try again' })).toBeVisible();
  await expect(bob.getByTestId('sandbox-failed').getByLabel('Repo path')).toHaveCount(0);

  await ada.screenshot({ path: '/tmp/shots/failed-session.png' });

  // A repo the server may not use: the server's words, in place; nothing else changes.
  await repoField.fill('/usr/share');
  await failed.getByRole('button', { name: 'Use this repo' }).click();
  await expect(ada.getByTestId('sandbox-action-error')).toContainText('outside the allowed repo roots');
  await expect(failed).toBeVisible();

  await repoField.fill(good);
  await failed.getByRole('button', { name: 'Use this repo' }).click();
  await expect(ada.getByTestId('transcript-panel')).toContainText(`Ada changed the repo from ${broken} to ${good} and started the sandbox`);
  await expect(ada.getByTestId('waterfall')).toContainText('ready in', { timeout: 60_000 });
  await typeInTerminal(ada, 'cat README.md; echo ok-$((40+2))');
  await expect(terminalScreen(ada)).toContainText('# good-setup');
  await expect(terminalScreen(ada)).toContainText('ok-42');
  // Bob's page follows: the same shell, no reload.
  await expect(terminalScreen(bob)).toContainText('ok-42', { timeout: 20_000 });

  for (const page of [ada, bob]) await page.context().close();
});
