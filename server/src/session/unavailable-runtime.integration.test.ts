import { expect, it } from 'vitest';
import { readMeta } from '@tandem/shared/doc/accessors.js';
import type { HealthResponse } from '@tandem/shared/protocol/http.js';
import type { SandboxTool } from '../sandbox/local/sandbox-tools.js';
import { EXAMPLE_REPO } from '../../test-support/local-sandbox.js';
import { serverForFile, sessionWithPeople } from '../../test-support/server-per-file.js';
import { waitFor } from '../../test-support/test-server.js';

// The host lacks a tool sandboxes need (a command no machine has stands in for bwrap on a fresh one).
const MISSING: SandboxTool = { command: 'tandem-test-no-such-tool', packages: { 'apt-get': 'tandem-test-package', dnf: 'tandem-test-package' }, need: 'required', purpose: 'stands in for bwrap' };
const shared = serverForFile('no-sandbox-tools', { sandboxes: true, sandboxTools: [MISSING] });
const expectedCommand = `${process.getuid?.() === 0 ? '' : 'sudo '}apt-get install -y tandem-test-package`;

it('a host without the sandbox tools still starts and says the one command to run, on /api/health and on every session', async () => {
  const health = await shared.api.call<HealthResponse>('GET', '/health');
  expect(health).toMatchObject({ status: 200, body: { ok: true, sandboxes: { state: 'unavailable', provider: 'local', command: expectedCommand } } });
  expect((health.body.sandboxes as { reason: string }).reason).toContain('tandem-test-no-such-tool');

  // Sessions are made and shared as usual; the doc every viewer has says what is missing and what to run.
  const { bob, vic, sessionId, tab } = await sessionWithPeople(shared, 'On a fresh machine', 'vic');
  await waitFor(() => readMeta(tab.doc).sandboxState === 'unavailable', 'the sandbox to be reported unavailable');
  expect(readMeta(tab.doc)).toMatchObject({ sandboxFix: expectedCommand, sandboxMessage: expect.stringContaining('tandem-test-no-such-tool') });

  // What needs a sandbox is refused with the same command, never a hang or a bare 500.
  const terminal = await shared.api.call<{ error: { message: string } }>('POST', `/sessions/${sessionId}/terminals`, bob.token);
  expect(terminal.status).toBe(409);
  expect(terminal.body.error.message).toContain(expectedCommand);
  const file = await shared.api.call<{ error: { code: string; message: string } }>('POST', `/sessions/${sessionId}/files/open`, vic.token, { path: 'README.md' });
  expect(file).toMatchObject({ status: 503, body: { error: { code: 'sandbox_unavailable', message: expect.stringContaining(expectedCommand) } } });
  // Repos are still checked as on a server with sandboxes.
  const outside = await shared.api.call('POST', '/sessions', bob.token, { title: 'Elsewhere', repo: '/etc' });
  expect(outside.status).toBe(400);
  expect((await shared.api.call('POST', '/sessions', bob.token, { title: 'Here', repo: EXAMPLE_REPO })).status).toBe(201);
});
