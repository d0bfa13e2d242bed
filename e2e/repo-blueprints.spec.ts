import { mkdir } from 'node:fs/promises';
import { textReply } from '../server/test-support/fake-anthropic.js';
import { SERVER_START_TIMEOUT_MS } from '../server/test-support/server-process.js';
import { test } from './support/agent-fixtures.js';
import { createSession, expect, openAs, typeInTerminal } from './support/fixtures.js';

// The restart test starts the server once more inside the test.
test.describe.configure({ timeout: 120_000 + SERVER_START_TIMEOUT_MS });

/** A broken blueprint file, written from the session's terminal: `maxRounds: 9` is on line 7. */
const WRITE_BROKEN_BLUEPRINT = `printf 'name: broken\\nnodes:\\n  - kind: checks\\n    id: checks\\n    title: Checks\\n  - { kind: fix, id: fix, title: Fix, checks: checks,\\n      maxRounds: 9 }\\n' > .tandem/blueprints/broken.yaml && echo written`;

test('the picker offers the repo’s blueprint and shows a broken file’s problem at its line; an editor edits a step that has not run', async ({ browser, agentServer, fakeModel }) => {
  await mkdir('/tmp/shots', { recursive: true });
  fakeModel.setScript(() => textReply('Plan: fold accents to ASCII before slugifying.'));
  const ada = await openAs(browser, agentServer, 'Ada');
  await createSession(ada, 'Repo blueprints');
  await expect(ada.getByTestId('waterfall')).toContainText('ready in', { timeout: 30_000 });

  // The bundled example ships plan-first; a broken file is added in the terminal.
  const picker = ada.getByTestId('blueprint-picker');
  await expect(picker.locator('option', { hasText: 'plan-first (repo)' })).toHaveCount(1);
  await typeInTerminal(ada, WRITE_BROKEN_BLUEPRINT);
  await expect(ada.getByTestId('terminal-panel')).toContainText('written');
  // Going to pick a blueprint reads the folder again.
  await picker.focus();
  await expect(ada.getByTestId('blueprint-problems')).toContainText('1 broken');
  await ada.getByTestId('blueprint-problems').locator('summary').click();
  await expect(ada.getByTestId('blueprint-problem')).toHaveText('.tandem/blueprints/broken.yaml:7 — nodes[1].maxRounds: Too big: expected number to be <=5');
  await picker.selectOption('plan-first');
  await ada.getByTestId('composer').screenshot({ path: '/tmp/shots/blueprint-picker-composer.png' });
  await ada.screenshot({ path: '/tmp/shots/blueprint-picker.png' });
  await ada.getByTestId('blueprint-problems').locator('summary').click();

  // The repo's blueprint runs; while its gate waits, the commit step (not run yet) gets a new message.
  await ada.getByLabel('Message', { exact: true }).fill('Fold accents in slugify');
  await ada.getByRole('button', { name: 'Ask agent' }).click();
  await expect(ada.getByTestId('run-node-approve')).toHaveAttribute('data-status', 'waiting', { timeout: 60_000 });
  await ada.getByTestId('run-node-commit').getByRole('button', { name: 'Edit' }).click();
  await ada.getByLabel('Commit message of “Commit”').fill('slugify: fold accents to ASCII');
  await ada.getByTestId('run-node-edit-commit').getByRole('button', { name: 'Save' }).click();
  await expect(ada.getByTestId('run-node-edit-commit')).toHaveCount(0);
  await expect(ada.getByText('Ada edited “Commit”: message “slugify: fold accents to ASCII” (was “{goal}”).')).toBeVisible();
  // A step that has run offers no edit.
  await expect(ada.getByTestId('run-node-plan').getByRole('button', { name: 'Edit' })).toHaveCount(0);
  await ada.getByTestId('run-panel').screenshot({ path: '/tmp/shots/run-node-edit.png' });
  await ada.getByTestId('run-panel').getByRole('button', { name: 'Stop' }).click();
  await expect(ada.getByTestId('run-state')).toHaveText('Stopped');
});

test('after the server is killed during an agent step, the Run panel says so and Retry runs the step again', async ({ browser, agentServer, fakeModel }) => {
  await mkdir('/tmp/shots', { recursive: true });
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const first = fakeModel.requests.length;
  // The plan step's first turn never ends on this server; after the restart the retry is answered.
  fakeModel.setScript((_request, index) => (index === first ? textReply('Reading the code…', { pause: { afterEvents: 2, until: held } }) : textReply('Plan: fold accents first.')));
  const ada = await openAs(browser, agentServer, 'Ada');
  const sessionUrl = await createSession(ada, 'Killed mid-run');
  await expect(ada.getByTestId('waterfall')).toContainText('ready in', { timeout: 30_000 });
  await ada.getByTestId('blueprint-picker').selectOption('plan-first');
  await ada.getByLabel('Message', { exact: true }).fill('Fold accents in slugify');
  await ada.getByRole('button', { name: 'Ask agent' }).click();
  await expect(ada.getByTestId('run-node-plan')).toHaveAttribute('data-status', 'running', { timeout: 60_000 });
  await expect.poll(() => fakeModel.requests.length).toBeGreaterThan(first);

  await agentServer.kill();
  await agentServer.start();
  release();
  await ada.goto(sessionUrl);

  await expect(ada.getByTestId('run-state')).toHaveText('Failed', { timeout: 30_000 });
  await expect(ada.getByTestId('run-node-plan')).toHaveAttribute('data-status', 'failed');
  await expect(ada.getByTestId('run-node-plan')).toContainText('The server restarted during this step.');
  await expect(ada.getByTestId('run-summary')).toContainText('The server restarted during the agent step “Plan”');
  // Tall enough that the whole panel, summary included, fits its column.
  await ada.setViewportSize({ width: 1440, height: 1600 });
  await ada.getByTestId('run-panel').screenshot({ path: '/tmp/shots/run-after-restart.png' });
  await ada.screenshot({ path: '/tmp/shots/run-after-restart-page.png' });

  await ada.getByTestId('run-node-plan').getByRole('button', { name: 'Retry' }).click();
  await expect(ada.getByTestId('run-node-approve')).toHaveAttribute('data-status', 'waiting', { timeout: 60_000 });
  await expect(ada.getByTestId('run-node-plan')).toContainText('attempt 2');
  await ada.getByTestId('run-panel').getByRole('button', { name: 'Stop' }).click();
});
