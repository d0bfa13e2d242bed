import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { TandemServer } from '../server/test-support/server-process.js';
import { expect, openAs, terminalScreen, test as base, typeInTerminal } from './support/fixtures.js';

const git = (dir: string, ...args: string[]) => execFileSync('git', ['-c', 'user.name=Origin', '-c', 'user.email=origin@example.com', '-C', dir, ...args], { encoding: 'utf8' }).trim();
const SHOTS_DIR = '/tmp/shots';

// A server of its own: a temp folder as a repo root, and a rebuild schedule far too slow to explain anything here.
const test = base.extend<{ reposDir: string; freshServer: TandemServer }>({
  reposDir: async ({}, use) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tandem-e2e-fresh-'));
    await chmod(dir, 0o755);
    await use(dir);
    await rm(dir, { recursive: true, force: true });
  },
  freshServer: async ({ reposDir }, use) => {
    const server = await TandemServer.create({ TANDEM_REPO_ROOTS: [process.cwd(), reposDir].join(','), TANDEM_WARM_POOL_SIZE: '1', TANDEM_SNAPSHOT_REBUILD_MINUTES: '60' });
    await server.start();
    await use(server);
    await server.dispose();
  },
});
// Four sandbox starts and three snapshot builds on a loaded 2-core machine.
test.describe.configure({ timeout: 240_000 });

async function newSession(page: Page, title: string, repo: string): Promise<void> {
  await page.goto(new URL('/', page.url()).toString());
  await page.getByLabel('Title').fill(title);
  await page.getByLabel('Repository path').fill(repo);
  await page.getByRole('button', { name: 'Create session' }).click();
  await expect(page.getByTestId('session-title')).toHaveText(title);
  await expect(page.getByTestId('waterfall')).toContainText('ready in', { timeout: 90_000 });
}

/** The session page at a normal and a narrow window width. */
async function shoot(page: Page, name: string): Promise<void> {
  await mkdir(SHOTS_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS_DIR, `${name}.png`) });
  await page.setViewportSize({ width: 700, height: 900 });
  // Narrow, the panels stack: the terminal's notices and the waterfall are further down.
  await page.getByTestId('terminal-panel').scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(SHOTS_DIR, `${name}-narrow.png`) });
  await page.setViewportSize({ width: 1440, height: 900 });
}

test('a session shows its start commit; a broken rebuild and a moved repo reach the running session; a new one starts on the new commit', async ({ browser, freshServer, reposDir }) => {
  const repo = path.join(reposDir, 'app');
  await mkdir(path.join(repo, '.tandem'), { recursive: true });
  await writeFile(path.join(repo, 'README.md'), '# app\n');
  await writeFile(path.join(repo, '.tandem', 'setup.sh'), 'echo preparing\n');
  git(repo, 'init', '-q', '-b', 'main');
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', 'start');
  const started = git(repo, 'rev-parse', 'HEAD');

  const ada = await openAs(browser, freshServer, 'Ada');
  await newSession(ada, 'On the first commit', repo);
  await expect(ada.getByTestId('snapshot-start')).toContainText(`Started from ${started.slice(0, 7)}`);
  await expect(ada.getByTestId('snapshot-start')).toContainText('snapshot of');

  // The setup breaks: another session's start tries the rebuild, fails, and both sessions say so.
  await writeFile(path.join(repo, '.tandem', 'setup.sh'), 'echo installing dependencies\necho "npm ERR! 404 Not Found: left-pad@9.9.9" >&2\nexit 3\n');
  git(repo, 'commit', '-q', '-am', 'break the setup');
  const broken = git(repo, 'rev-parse', 'HEAD');
  const other = await ada.context().newPage();
  await other.goto(ada.url());
  await newSession(other, 'After the setup broke', repo);
  await expect(other.getByTestId('snapshot-start')).toContainText(`Started from ${started.slice(0, 7)}`);
  const failure = ada.getByTestId('snapshot-failure');
  await expect(failure).toContainText(`The snapshot rebuild for ${broken.slice(0, 7)} failed`, { timeout: 30_000 });
  await expect(failure).toContainText('running on the snapshot of');
  await expect(failure).toContainText('.tandem/setup.sh failed (exit 3)');
  await failure.getByText('Build log and what to do').click();
  await expect(ada.getByTestId('snapshot-log-tail')).toHaveText('installing dependencies\nnpm ERR! 404 Not Found: left-pad@9.9.9');
  await expect(ada.getByTestId('transcript-panel')).toContainText(`The snapshot rebuild at ${broken.slice(0, 7)} failed`);
  await shoot(ada, 'snapshot-failed');

  // Fixed: the next session waits for the new snapshot and says so; the running one hears the repo moved.
  await writeFile(path.join(repo, '.tandem', 'setup.sh'), 'echo fixed\n');
  await writeFile(path.join(repo, 'added.txt'), 'from the fix\n');
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', 'fix the setup');
  const fixed = git(repo, 'rev-parse', 'HEAD');
  await newSession(other, 'After the fix', repo);
  await expect(other.getByTestId('snapshot-update')).toContainText(`Updated the snapshot to ${fixed.slice(0, 7)}: the repo moved since`);
  await expect(other.getByTestId('snapshot-start')).toContainText(`Started from ${fixed.slice(0, 7)}`);
  await typeInTerminal(other, 'cat added.txt');
  await expect(terminalScreen(other)).toContainText('from the fix');
  await shoot(other, 'snapshot-updated');

  await expect(ada.getByTestId('repo-moved')).toContainText(`The repo has moved to ${fixed.slice(0, 7)} since this session started; new sessions start from it.`, { timeout: 30_000 });
  await expect(failure).toHaveCount(0);
  await shoot(ada, 'repo-moved');
  // One way on: a new session of the same repo, on the new commit (from a second tab of this session).
  const second = await ada.context().newPage();
  await second.goto(ada.url());
  await second.getByTestId('repo-moved').getByRole('button', { name: 'Start a new session' }).click();
  await expect(second.getByTestId('session-title')).toHaveText('On the first commit (updated)');
  await expect(second.getByTestId('snapshot-start')).toContainText(`Started from ${fixed.slice(0, 7)}`, { timeout: 90_000 });
  // The other: this session's workspace takes the new commit where it runs.
  await ada.getByTestId('repo-moved').getByRole('button', { name: `Update to ${fixed.slice(0, 7)}` }).click();
  await expect(ada.getByTestId('workspace-updated')).toContainText(`Updated to ${fixed.slice(0, 7)}`);
  await expect(ada.getByTestId('workspace-updated')).toContainText('by Ada');
  await expect(ada.getByTestId('repo-moved')).toHaveCount(0);
  await expect(ada.getByTestId('transcript-panel')).toContainText(`Ada updated the workspace to ${fixed.slice(0, 7)} (moved forward, 2 files changed).`);
  await typeInTerminal(ada, 'cat added.txt');
  await expect(terminalScreen(ada)).toContainText('from the fix');
  await shoot(ada, 'workspace-updated');
  await ada.context().close();
});
