import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { readMeta } from '@tandem/shared/doc/accessors.js';
import type { OpenTerminalResponse } from '@tandem/shared/protocol/http.js';
import type { SecretListResponse } from '@tandem/shared/protocol/secrets.js';
import { docUpdates } from '../db/schema.js';
import { serverForFile } from '../../test-support/server-per-file.js';
import { connectPeer, waitFor, waitForSync } from '../../test-support/test-server.js';
import { openTerminalClient } from '../../test-support/terminal-client.js';

/**
 * The secret an owner sets while the session runs (what examples/team-stack does, without its npm
 * install from the real registry, so this runs on any machine): a new shell gets it, prints it, and the
 * printing person, a late joiner's scrollback, the doc and the stored doc updates show its name only.
 */

const TOKEN = `tsk-${randomBytes(16).toString('hex')}`;
const MARKER = '[secret STACK_TOKEN]';
/** A repo whose environment file asks for STACK_TOKEN in sessions; nothing to install, no network. */
const repoRoot = mkdtempSync(path.join(os.tmpdir(), 'tandem-mid-session-secret-'));
const REPO = path.join(repoRoot, 'stack');
mkdirSync(path.join(REPO, '.tandem'), { recursive: true });
writeFileSync(path.join(REPO, '.tandem/environment.json'), JSON.stringify({ secrets: { session: ['STACK_TOKEN'] } }));
writeFileSync(path.join(REPO, 'README.md'), '# stack\n');

const shared = serverForFile('mid-session-secret', { sandboxes: true }, (config) => ({
  ...config,
  sandbox: { ...config.sandbox, warmPoolSize: 0, repoRoots: [...config.sandbox.repoRoots, repoRoot] },
}));

const openTerminal = (sessionId: string, terminalId: string, token: string) => openTerminalClient(shared.server.url, sessionId, token, terminalId);

it('a secret set mid-session reaches a new shell and stays out of the terminal, the late joiner’s scrollback, the doc and the store', async () => {
  const [ada, bob] = await Promise.all([shared.api.identity('Ada'), shared.api.identity('Bob')]);
  const sessionId = await shared.api.createSession(ada.token, 'Secret mid-session', REPO);
  await shared.api.join(bob.token, (await shared.api.share(ada.token, sessionId, 'editor')).token);
  const tab = connectPeer(shared.server.url, sessionId, bob.token);
  shared.peers.push(tab);
  await waitForSync(tab);
  await shared.server.runtime!.ensureStarted(sessionId);
  await waitFor(() => readMeta(tab.doc).sandboxState === 'ready', 'the sandbox to start', 60_000);

  // The owner is told which secret the repo asks for and sets it; an editor may not.
  const asked = async () => (await shared.api.call<SecretListResponse>('GET', `/sessions/${sessionId}/secrets`, ada.token)).body.asked;
  expect(await asked()).toEqual(['STACK_TOKEN']);
  const put = (token: string) => shared.api.call('PUT', `/sessions/${sessionId}/secrets/STACK_TOKEN`, token, { value: TOKEN });
  expect((await put(bob.token)).status).toBe(403);
  expect((await put(ada.token)).status).toBe(204);
  expect(await asked()).toEqual([]);

  // A shell opened after the secret was set has it; the value is printed whole and split across two writes.
  const opened = await shared.api.call<OpenTerminalResponse>('POST', `/sessions/${sessionId}/terminals`, ada.token);
  expect(opened.status).toBe(201);
  const owner = openTerminal(sessionId, opened.body.terminalId, ada.token);
  await waitFor(() => owner.state.ready, 'the terminal', 20_000);
  owner.type('echo "token: $STACK_TOKEN"; printf %s "${STACK_TOKEN:0:9}"; sleep 0.05; echo "${STACK_TOKEN:9}"; printenv STACK_TOKEN | sha256sum; echo "done-$((6*7))"\r');
  await waitFor(() => owner.state.output.includes('done-42'), 'the commands to finish', 20_000);
  expect(owner.state.output).toContain(`token: ${MARKER}`);

  const late = openTerminal(sessionId, opened.body.terminalId, bob.token);
  await waitFor(() => late.state.output.includes('done-42'), 'the scrollback', 20_000);
  expect(late.state.output).toContain(`token: ${MARKER}`);
  // Both prints, the split one too, and the shell had the real value.
  expect(late.state.output.split(MARKER).length - 1).toBe(2);
  expect(late.state.output).toContain(createHash('sha256').update(`${TOKEN}\n`).digest('hex'));
  for (const [what, text] of [
    ['the owner’s terminal', owner.state.output],
    ['the scrollback', late.state.output],
    ['the doc', JSON.stringify(tab.doc.toJSON())],
    ['the stored doc updates', Buffer.concat((await shared.server.database.db.select().from(docUpdates)).map((row) => Buffer.from(row.data))).toString('latin1')],
  ] as const) {
    expect(text.includes(TOKEN), `${what} holds the secret's value`).toBe(false);
  }
  owner.socket.close();
  late.socket.close();
}, 180_000);
