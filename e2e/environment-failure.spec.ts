import { mkdir } from 'node:fs/promises';
import { textReply, toolReply } from '../server/test-support/fake-anthropic.js';
import { test } from './support/agent-fixtures.js';
import { createSession, expect, openAs } from './support/fixtures.js';

/** The example's package.json with a test script whose tool the sandbox does not have. */
const NEEDS_PNPM = `${JSON.stringify({ name: 'hello-tandem', private: true, type: 'module', scripts: { test: 'pnpm exec jest' } }, null, 2)}\n`;

test('a check whose tool is not installed shows as an Environment failure and hands back without a fix round', async ({ browser, agentServer, fakeModel }) => {
  test.setTimeout(90_000);
  await mkdir('/tmp/shots', { recursive: true });
  const first = fakeModel.requests.length;
  // implement: the agent makes the test script need pnpm, which the sandbox lacks; then it is done.
  fakeModel.setScript((_request, index) =>
    index === first ? toolReply('write_file', { path: 'package.json', content: NEEDS_PNPM }, 'Switching the tests to jest through pnpm.') : textReply('Done.'),
  );
  const ada = await openAs(browser, agentServer, 'Ada');
  await createSession(ada, 'Tests through pnpm');
  await expect(ada.getByTestId('waterfall')).toContainText('ready in', { timeout: 30_000 });

  await ada.getByTestId('blueprint-picker').selectOption('implement');
  await ada.getByLabel('Message', { exact: true }).fill('Run the tests with jest.');
  await ada.getByRole('button', { name: 'Ask agent' }).click();

  await expect(ada.getByTestId('run-state')).toHaveText('Handed back', { timeout: 60_000 });
  await expect(ada.getByTestId('run-summary')).toContainText('The checks could not run: an environment problem, not the code');
  const card = ada.getByTestId('run-failure').first();
  await expect(card).toHaveAttribute('data-kind', 'environment');
  await expect(card).toContainText('Environment');
  await expect(card).toContainText('`pnpm` is not installed in the sandbox');
  await expect(ada.getByTestId('run-node-fix')).not.toHaveAttribute('data-status', 'running');
  await ada.getByTestId('run-panel').screenshot({ path: '/tmp/shots/run-panel-environment.png' });
  // The implement turn and the reply after its tool call: no fix round asked the model anything.
  expect(fakeModel.requests.length - first).toBe(2);
});
