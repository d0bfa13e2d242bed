import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { TandemServer } from '../server/test-support/server-process.js';
import { expect, openAs, test as base } from './support/fixtures.js';

/**
 * A repo gives one secret to setup only, one to its services, one to sessions. Services and sessions
 * run code any editor can change (a service's script, then Restart), so the Secrets dialog must say,
 * when the owner sets such a secret, that every editor can read it (issue 16: the product does not
 * keep that boundary, and says so).
 */
const test = base.extend<{ repo: string; exposureServer: TandemServer }>({
  repo: async ({}, use) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tandem-e2e-exposure-'));
    await chmod(dir, 0o755);
    const repo = path.join(dir, 'billing');
    await mkdir(path.join(repo, '.tandem'), { recursive: true });
    await writeFile(path.join(repo, 'README.md'), '# billing\n');
    const environment = { secrets: { setup: ['NPM_TOKEN'], services: ['STRIPE_KEY'], session: ['SENTRY_DSN'] } };
    await writeFile(path.join(repo, '.tandem/environment.json'), `${JSON.stringify(environment, null, 2)}\n`);
    await use(repo);
    await rm(dir, { recursive: true, force: true });
  },
  exposureServer: async ({ repo }, use) => {
    const server = await TandemServer.create({ TANDEM_REPO_ROOTS: [process.cwd(), path.dirname(repo)].join(','), TANDEM_WARM_POOL_SIZE: '0' });
    await server.start();
    await use(server);
    await server.dispose();
  },
});
test.describe.configure({ timeout: 120_000 });

test('setting a secret the repo gives its services or sessions says every editor can read it; a setup-only one does not', async ({ browser, exposureServer, repo }, testInfo) => {
  const ada = await openAs(browser, exposureServer, 'Ada');
  await ada.getByLabel('Title').fill('Billing fix');
  await ada.getByLabel('Repository path').fill(repo);
  await ada.getByRole('button', { name: 'Create session' }).click();
  await expect(ada.getByTestId('waterfall')).toContainText('ready in', { timeout: 60_000 });

  await ada.getByRole('button', { name: 'Secrets' }).click();
  const dialog = ada.getByRole('dialog', { name: 'Secrets' });
  const asked = (name: string) => dialog.locator(`[data-testid="secret-asked"][data-name="${name}"]`);
  // Each name the repo asks for says where it goes; the ones editors can read say so next to them.
  await expect(asked('STRIPE_KEY').getByTestId('secret-phases')).toHaveText('services');
  await expect(asked('STRIPE_KEY').getByTestId('secret-readable-note')).toContainText('Every editor can read it');
  await expect(asked('SENTRY_DSN').getByTestId('secret-phases')).toHaveText('sessions');
  await expect(asked('SENTRY_DSN').getByTestId('secret-readable-note')).toBeVisible();
  await expect(asked('NPM_TOKEN').getByTestId('secret-phases')).toHaveText('setup');
  await expect(asked('NPM_TOKEN').getByTestId('secret-readable-note')).toHaveCount(0);

  // The moment the owner sets the services' secret, before Add: every editor can read it.
  await asked('STRIPE_KEY').getByRole('button', { name: 'Set STRIPE_KEY' }).click();
  await expect(dialog.getByLabel('Name')).toHaveValue('STRIPE_KEY');
  const warning = dialog.getByTestId('secret-exposure-warning');
  await expect(warning).toContainText('Every editor of a session on this repo can read STRIPE_KEY.');
  await expect(warning).toContainText('edit a service’s script and press Restart');
  await dialog.getByLabel('Value').fill('sk_live_e2e_0123456789');
  await dialog.screenshot({ path: testInfo.outputPath('secrets-dialog-warning.png') });
  await ada.screenshot({ path: testInfo.outputPath('secrets-dialog-page.png') });

  // A setup-only secret: no warning.
  await dialog.getByLabel('Name').fill('NPM_TOKEN');
  await expect(warning).toHaveCount(0);
  await dialog.getByLabel('Name').fill('STRIPE_KEY');
  await dialog.getByRole('button', { name: 'Add' }).click();
  const set = dialog.getByTestId('secret-list').locator('li[data-scope="repo"][data-name="STRIPE_KEY"]');
  await expect(set.getByTestId('secret-readable-note')).toContainText('they can change the code that receives it in the services');
  await dialog.screenshot({ path: testInfo.outputPath('secrets-dialog-set.png') });
  await ada.context().close();
});
