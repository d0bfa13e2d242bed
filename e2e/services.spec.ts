import { mkdir } from 'node:fs/promises';
import { expect, joinByLink, mintShareLink, openAs, terminalScreen, test, typeInTerminal } from './support/fixtures.js';

// A sandbox booting PostgreSQL and two browsers on a loaded 2-core machine.
test.describe.configure({ timeout: 180_000 });

test('a repo’s PostgreSQL service gets a read-only log tab and a waterfall row; the session’s tests pass against it; only editors see Restart', async ({ browser, server }) => {
  const ada = await openAs(browser, server, 'Ada');
  await ada.getByLabel('Title').fill('Todos on PostgreSQL');
  await ada.getByLabel('Repository path').fill('examples/with-postgres');
  await ada.getByRole('button', { name: 'Create session' }).click();
  await expect(ada.getByTestId('session-title')).toHaveText('Todos on PostgreSQL');

  const tab = ada.getByTestId('service-tab-postgres');
  await expect(tab).toBeVisible({ timeout: 60_000 });
  await expect(ada.getByTestId('waterfall-services')).toContainText(/postgres (ready|starting)/, { timeout: 60_000 });
  await expect(ada.getByTestId('waterfall-services').locator('[data-state="ready"]')).toBeVisible({ timeout: 60_000 });

  await typeInTerminal(ada, 'npm test 2>&1 | grep -E "^# (pass|fail)" | tr "\\n" " "; echo tests-$((40+2))');
  await expect(terminalScreen(ada)).toContainText(/# pass 2 # fail 0 tests-42/, { timeout: 60_000 });

  await tab.click();
  await expect(terminalScreen(ada)).toContainText('ready to accept connections', { timeout: 20_000 });
  const bar = ada.getByTestId('service-bar');
  await expect(bar).toHaveAttribute('data-state', 'ready');
  await expect(bar.getByRole('button', { name: 'Restart' })).toBeEnabled();
  await expect(ada.getByTestId('terminal-status')).toHaveText('log, read-only');
  await mkdir('/tmp/shots', { recursive: true });
  await ada.screenshot({ path: '/tmp/shots/services.png' });

  const viewerLink = await mintShareLink(ada, 'viewer');
  const vic = await openAs(browser, server, 'Vic');
  await joinByLink(vic, viewerLink);
  await vic.getByTestId('service-tab-postgres').click();
  await expect(vic.getByTestId('service-bar')).toHaveAttribute('data-state', 'ready');
  await expect(vic.getByTestId('service-bar').getByRole('button', { name: 'Restart' })).toHaveCount(0);

  // Restart from the bar: the state goes through starting and back to ready, for everyone.
  await bar.getByRole('button', { name: 'Restart' }).click();
  await expect(vic.getByTestId('service-bar')).toContainText('restarted 1×', { timeout: 60_000 });
  await expect(vic.getByTestId('service-bar')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });

  // Killed from inside PostgreSQL's own sandbox process (COPY … TO PROGRAM): everyone sees it crash, then come back.
  await ada.getByRole('tab', { name: 'shell 1' }).click();
  await typeInTerminal(ada, `psql -h /workspace/.services/postgres -U postgres -X -c "COPY (SELECT 1) TO PROGRAM 'kill -9 \\$(head -n 1 /tmp/pgdata/postmaster.pid)'"`);
  await expect(vic.getByTestId('service-bar')).toHaveAttribute('data-state', 'crashed', { timeout: 20_000 });
  await expect(vic.getByTestId('service-bar')).toContainText('exited with code 137');
  await expect(ada.getByTestId('service-tab-postgres').locator('.service-crashed')).toBeVisible();
  await vic.screenshot({ path: '/tmp/shots/services-crashed.png' });
  await expect(vic.getByTestId('service-bar')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
});
