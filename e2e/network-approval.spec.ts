import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { TandemServer } from '../server/test-support/server-process.js';
import { expect, joinByLink, mintShareLink, openAs, test as base } from './support/fixtures.js';

// A server of its own: it allows a temp folder as a repo root, which the shared server does not.
const test = base.extend<{ repo: string; approvalServer: TandemServer }>({
  repo: async ({}, use) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tandem-e2e-approval-'));
    await chmod(dir, 0o755);
    const repo = path.join(dir, 'widening');
    await mkdir(path.join(repo, '.tandem'), { recursive: true });
    await writeFile(path.join(repo, 'README.md'), '# widening\n');
    await writeFile(path.join(repo, '.tandem/environment.json'), `${JSON.stringify({ network: { setup: ['github.com'], session: ['docs.example.org'] } }, null, 2)}\n`);
    await use(repo);
    await rm(dir, { recursive: true, force: true });
  },
  approvalServer: async ({ repo }, use) => {
    const server = await TandemServer.create({ TANDEM_REPO_ROOTS: [process.cwd(), path.dirname(repo)].join(','), TANDEM_WARM_POOL_SIZE: '0' });
    await server.start();
    await use(server);
    await server.dispose();
  },
});
test.describe.configure({ timeout: 120_000 });

test('the owner is asked to approve the repo’s widening as soon as the session’s sandbox is up, an editor is not; approving says so in the transcript', async ({ browser, approvalServer, repo }) => {
  const ada = await openAs(browser, approvalServer, 'Ada');
  await ada.getByLabel('Title').fill('Docs for the fix');
  await ada.getByLabel('Repository path').fill(repo);
  await ada.getByRole('button', { name: 'Create session' }).click();

  // Asked once the sandbox is ready, with no reload: the page opened while it was still booting.
  const prompt = ada.getByTestId('environment-approval');
  await expect(prompt).toContainText('sessions may reach docs.example.org and its setup script may reach github.com (from the next snapshot build).', { timeout: 60_000 });
  const bob = await openAs(browser, approvalServer, 'Bob');
  await joinByLink(bob, await mintShareLink(ada, 'editor'));
  await expect(bob.getByTestId('session-state')).toBeVisible();
  await expect(bob.getByTestId('environment-approval')).toHaveCount(0);

  await prompt.getByRole('button', { name: 'Approve' }).click();
  await expect(prompt).toHaveCount(0);
  await expect(bob.getByTestId('transcript-panel')).toContainText(
    "Ada approved the repo's .tandem/environment.json: the sandbox may now reach docs.example.org for this session. Its setup script may reach github.com from the next snapshot build on.",
  );
  await ada.context().close();
  await bob.context().close();
});
