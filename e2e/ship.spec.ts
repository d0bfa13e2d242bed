import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test as base } from '@playwright/test';
import { FIXED_ADD, gitIn, repoWithFailingTest, STILL_BROKEN_ADD } from '../server/test-support/blueprint-fixtures.js';
import { FAKE_API_KEY, startFakeAnthropic, textReply, toolReply, type FakeAnthropic } from '../server/test-support/fake-anthropic.js';
import { startFakeGitHubRest, type FakeGitHubRest } from '../server/test-support/fake-github-rest.js';
import { TandemServer } from '../server/test-support/server-process.js';
import { expect, joinByLink, mintShareLink, openAs } from './support/fixtures.js';

/**
 * Shipping as a team sees it: Ada starts a blueprint on a GitHub repo (a bare repo stands in for
 * GitHub's git host, a fake GitHub REST server for its API), Bob watches from his browser, sees the
 * failing test's card, approves the review gate, and both see the draft PR's link.
 */
const TOKEN = 'ghp_e2eShipToken000000000000';
const REVIEWED_BLUEPRINT = {
  name: 'reviewed',
  description: 'Implement, check, fix, a person reviews, then commit, push, draft PR and CI.',
  nodes: [
    { kind: 'agent', id: 'implement', title: 'Implement' },
    { kind: 'checks', id: 'checks', title: 'Checks' },
    { kind: 'fix', id: 'fix', title: 'Fix failing checks', checks: 'checks' },
    { kind: 'gate', id: 'review', title: 'Review the change', prompt: 'Look at the diff, then approve.' },
    { kind: 'commit', id: 'commit', title: 'Commit' },
    { kind: 'push', id: 'push', title: 'Push' },
    { kind: 'pull-request', id: 'pull-request', title: 'Draft pull request' },
    { kind: 'ci', id: 'ci', title: 'CI', pollIntervalMs: 500 },
    { kind: 'fix', id: 'fix-ci', title: 'Fix CI', checks: 'ci', maxRounds: 1 },
  ],
};

const test = base.extend<object, { world: { dir: string; repoUrl: string; bare: string; github: FakeGitHubRest; model: FakeAnthropic; server: TandemServer } }>({
  world: [
    async ({}, use) => {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'tandem-e2e-ship-'));
      const work = await repoWithFailingTest(dir, 'app-work');
      await mkdir(path.join(work, '.tandem', 'blueprints'), { recursive: true });
      await writeFile(path.join(work, '.tandem', 'blueprints', 'reviewed.json'), JSON.stringify(REVIEWED_BLUEPRINT, null, 2));
      gitIn(work, '-c', 'user.name=Origin', '-c', 'user.email=origin@example.com', 'add', '-A');
      gitIn(work, '-c', 'user.name=Origin', '-c', 'user.email=origin@example.com', 'commit', '-q', '-m', 'A reviewed blueprint');
      const bare = path.join(dir, 'github', 'acme', 'app.git');
      await mkdir(path.dirname(bare), { recursive: true });
      execFileSync('git', ['clone', '-q', '--bare', work, bare]);
      const github = await startFakeGitHubRest({ token: TOKEN, repos: [{ owner: 'acme', name: 'app', defaultBranch: 'main' }] });
      github.setCi(() => ({ checkRuns: [{ id: 7, name: 'test', status: 'completed', conclusion: 'success' }] }));
      const model = await startFakeAnthropic();
      const server = await TandemServer.create({
        ANTHROPIC_API_KEY: FAKE_API_KEY,
        ANTHROPIC_BASE_URL: model.url,
        TANDEM_MODEL: 'claude-sonnet-4-6',
        TANDEM_REPO_ROOTS: `${process.cwd()},${dir}`,
        GITHUB_TOKEN: TOKEN,
        TANDEM_GITHUB_URL: 'https://github.test',
        TANDEM_GITHUB_API_URL: github.url,
        TANDEM_GITHUB_GIT_URL: `file://${path.join(dir, 'github')}`,
      });
      await server.start();
      await use({ dir, repoUrl: `file://${bare}`, bare, github, model, server });
      await server.dispose();
      await Promise.all([github.close(), model.close()]);
      await rm(dir, { recursive: true, force: true });
    },
    { scope: 'worker' },
  ],
});

test('A runs a reviewed blueprint on a GitHub repo; B watches, sees the failure card, approves the gate; the commit lists both and the draft PR link is on both screens', async ({ browser, world }) => {
  test.setTimeout(150_000);
  await mkdir('/tmp/shots', { recursive: true });
  let releaseFix!: () => void;
  const fixHeld = new Promise<void>((resolve) => (releaseFix = resolve));
  const first = world.model.requests.length;
  const replies = [
    () => toolReply('write_file', { path: 'src/math.js', content: STILL_BROKEN_ADD }, 'Changing add.'),
    () => textReply('Done with add.'),
    () => fixHeld.then(() => toolReply('write_file', { path: 'src/math.js', content: FIXED_ADD })),
    () => textReply('add adds now.'),
  ];
  world.model.setScript((_request, index) => (replies[index - first] ?? (() => textReply('Nothing more.')))());

  const ada = await openAs(browser, world.server, 'Ada');
  await ada.getByLabel('Title').fill('Ship add');
  await ada.getByLabel('Repository path').fill(world.repoUrl);
  await ada.getByRole('button', { name: 'Create session' }).click();
  await expect(ada.getByTestId('waterfall')).toContainText('ready in', { timeout: 60_000 });
  const bob = await openAs(browser, world.server, 'Bob');
  await joinByLink(bob, await mintShareLink(ada, 'editor'));

  await ada.getByTestId('blueprint-picker').selectOption('reviewed');
  await ada.getByLabel('Message', { exact: true }).fill('Make add add');
  await ada.getByRole('button', { name: 'Ask agent' }).click();

  // Bob sees the checks fail at the test's file and line while the fix round runs.
  await expect(bob.getByTestId('run-node-checks')).toHaveAttribute('data-status', 'failed', { timeout: 60_000 });
  await expect(bob.getByTestId('run-failure').first()).toContainText('test/math.test.js:6');
  await expect(bob.getByTestId('run-node-fix')).toHaveAttribute('data-status', 'running');
  await bob.getByTestId('run-panel').screenshot({ path: '/tmp/shots/ship-run-mid.png' });
  releaseFix();

  // The review gate waits for a person; Bob approves it.
  await expect(bob.getByTestId('run-node-review')).toHaveAttribute('data-status', 'waiting', { timeout: 60_000 });
  await bob.getByTestId('run-node-review').getByRole('button', { name: 'Approve' }).click();

  for (const page of [ada, bob]) {
    await expect(page.getByTestId('run-state')).toHaveText('Passed', { timeout: 60_000 });
    await expect(page.getByTestId('run-pull-request')).toContainText('Draft PR #1');
    await expect(page.getByTestId('run-pull-request-chip')).toBeInViewport();
  }
  const link = bob.getByTestId('run-pull-request-chip');
  await expect(link).toHaveAttribute('href', world.github.pulls[0]!.html_url);
  await expect(bob.getByTestId('run-push')).toContainText('github.test/acme/app');
  // A tall window, so the whole run fits in its column for the picture.
  await bob.setViewportSize({ width: 1440, height: 1500 });
  await bob.getByTestId('run-panel').screenshot({ path: '/tmp/shots/ship-run-end.png' });
  await ada.screenshot({ path: '/tmp/shots/ship-run-end-page.png' });

  // The commit on the pushed branch is Ada's with Bob (who approved) as co-author.
  const pull = world.github.pulls[0]!;
  expect(pull).toMatchObject({ draft: true, base: 'main', title: 'Make add add' });
  const message = gitIn(world.bare, 'log', '-1', '--format=%an%n%B', pull.head);
  expect(message.split('\n')[0]).toBe('Ada');
  expect(message).toMatch(/Co-authored-by: Bob </);
  expect(pull.body).toContain('Started by Ada; steered by Bob.');
});
