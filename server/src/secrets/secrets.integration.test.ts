import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readAgentState, readTranscript } from '@tandem/shared/doc/accessors.js';
import type { ToolCallEntry } from '@tandem/shared/doc/schema.js';
import { serviceLogTerminalId, terminalPath } from '@tandem/shared/protocol/terminal.js';
import { ADMIN_TOKEN_HEADER, type RotateSecretsKeyResponse, type SecretListResponse } from '@tandem/shared/protocol/secrets.js';
import { DEFAULT_ACCESS } from '../auth/access-policy.js';
import { docUpdates, environmentSecrets, serverSecrets } from '../db/schema.js';
import { FAKE_API_KEY, startFakeAnthropic, textReply, toolReply, type FakeAnthropic } from '../../test-support/fake-anthropic.js';
import { serverForFile, sessionWithPeople } from '../../test-support/server-per-file.js';
import { waitFor, withModelAt } from '../../test-support/test-server.js';
import { openTerminalClient } from '../../test-support/terminal-client.js';

const ADMIN_TOKEN = randomBytes(32).toString('base64url');
const VALUE = `sk-live-${randomBytes(12).toString('hex')}`;
const BASE64_VALUE = Buffer.from(VALUE).toString('base64').replace(/=+$/, '');
const MARKER = '[secret API_TOKEN]';
const sha256Line = (text: string) => createHash('sha256').update(`${text}\n`).digest('hex');

/** Everything the server wrote to its log during this file. */
const logged: string[] = [];
const logger = { error: (message: string, error?: unknown) => void logged.push(`${message} ${error instanceof Error ? `${error.message}\n${error.stack}` : String(error ?? '')}`) };

/** A repo whose setup script is given SETUP_TOKEN (its environment file names it) and not API_TOKEN. */
const SETUP_REPO = mkdtempSync(path.join(os.tmpdir(), 'tandem-secrets-setup-repo-'));
const SETUP_VALUE = `setup-${randomBytes(12).toString('hex')}`;
mkdirSync(path.join(SETUP_REPO, '.tandem'));
writeFileSync(path.join(SETUP_REPO, '.tandem', 'environment.json'), JSON.stringify({ secrets: { setup: ['SETUP_TOKEN'] } }));
writeFileSync(
  path.join(SETUP_REPO, '.tandem', 'setup.sh'),
  'printenv SETUP_TOKEN | sha256sum > setup-token.sha256\necho "setup saw ${SETUP_TOKEN}"\necho "api token: ${API_TOKEN:-none}" > setup-api-token.txt\n',
);
writeFileSync(path.join(SETUP_REPO, 'README.md'), '# setup secrets\n');

/** A repo whose service is given SERVICE_TOKEN (named for services) and prints it to its log. */
const SERVICE_REPO = mkdtempSync(path.join(os.tmpdir(), 'tandem-secrets-service-repo-'));
const SERVICE_VALUE = `service-${randomBytes(12).toString('hex')}`;
mkdirSync(path.join(SERVICE_REPO, '.tandem'));
writeFileSync(
  path.join(SERVICE_REPO, '.tandem', 'environment.json'),
  JSON.stringify({
    services: [{ name: 'echoer', command: 'echo "svc:$SERVICE_TOKEN"; printenv SERVICE_TOKEN | sha256sum; echo "api:${API_TOKEN:-none}"; sleep 300', ready: { command: 'true' } }],
    secrets: { services: ['SERVICE_TOKEN'] },
  }),
);
writeFileSync(path.join(SERVICE_REPO, 'README.md'), '# service secrets\n');

let fake: FakeAnthropic;
beforeAll(async () => {
  fake = await startFakeAnthropic();
});
afterAll(() => fake.close());
const shared = serverForFile('secrets', { sandboxes: true, logger }, (config) => ({
  ...withModelAt(fake.url, FAKE_API_KEY)(config),
  access: { ...DEFAULT_ACCESS, adminToken: ADMIN_TOKEN },
  sandbox: { ...config.sandbox, repoRoots: [...config.sandbox.repoRoots, SETUP_REPO, SERVICE_REPO] },
}));

/** A terminal client as the browser runs it. */
const openTerminal = (sessionId: string, token: string) => openTerminalClient(shared.server.url, sessionId, token);

const expectNoValue = (text: string, what: string) => {
  expect(text.includes(VALUE), `${what} holds the value`).toBe(false);
  expect(text.includes(BASE64_VALUE), `${what} holds the value in base64`).toBe(false);
};

it('only the owner sets a repo secret, editors see its name, viewers nothing; a server secret needs the admin token', async () => {
  const { sessionId, ada, bob, vic } = await sessionWithPeople(shared, 'Set the secret');
  const put = (token: string, name: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${shared.server.url}/api/sessions/${sessionId}/secrets/${name}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers },
      body: JSON.stringify(body),
    });
  expect((await put(vic.token, 'API_TOKEN', { value: VALUE })).status).toBe(403);
  expect((await put(bob.token, 'API_TOKEN', { value: VALUE })).status).toBe(403);
  expect((await put(ada.token, 'API_TOKEN', { value: VALUE, scope: 'server' })).status).toBe(403);
  expect((await put(ada.token, 'lower_case', { value: VALUE })).status).toBe(400);
  expect((await put(ada.token, 'LD_PRELOAD', { value: VALUE })).status).toBe(400);
  expect((await put(ada.token, 'API_TOKEN', { value: 'x'.repeat(20_000) })).status).toBe(400);
  expect((await put(ada.token, 'API_TOKEN', { value: VALUE })).status).toBe(204);
  expect((await put(ada.token, 'SHARED_REGION', { value: 'eu-west-1-tandem', scope: 'server' }, { [ADMIN_TOKEN_HEADER]: ADMIN_TOKEN })).status).toBe(204);

  expect((await shared.api.call('GET', `/sessions/${sessionId}/secrets`, vic.token)).status).toBe(403);
  const listed = await shared.api.call<SecretListResponse>('GET', `/sessions/${sessionId}/secrets`, bob.token);
  expect(listed.status).toBe(200);
  expect(listed.body.canManage).toBe(false);
  expect(listed.body.secrets.map((secret) => [secret.scope, secret.name])).toEqual([
    ['server', 'SHARED_REGION'],
    ['repo', 'API_TOKEN'],
  ]);
  expectNoValue(JSON.stringify(listed.body), 'the list');
  expect((await shared.api.call<SecretListResponse>('GET', `/sessions/${sessionId}/secrets`, ada.token)).body.canManage).toBe(true);

  // The store holds only ciphertext.
  const rows = await shared.server.database.db.select().from(environmentSecrets);
  expect(rows).toHaveLength(2);
  for (const row of rows) expectNoValue(`${Buffer.from(row.ciphertext).toString('latin1')} ${Buffer.from(row.nonce).toString('latin1')} ${row.name} ${row.keyId}`, 'a secrets row');
  expectNoValue(JSON.stringify(await shared.server.database.db.select().from(serverSecrets)), 'server_secrets');
});

it('a session gets the secret in its env, never in any process argv, and its shared terminal shows it redacted to everyone', async () => {
  const { sessionId, ada, bob, vic } = await sessionWithPeople(shared, 'Use the secret');
  const live = await shared.server.runtime!.ensureStarted(sessionId);
  const hashed = await live.sandbox.exec('printenv API_TOKEN | sha256sum; printenv SHARED_REGION | sha256sum; printenv SHARED_REGION');
  expect(hashed.stdout).toContain(sha256Line(VALUE));
  expect(hashed.stdout).toContain(sha256Line('eu-west-1-tandem'));
  // A server-wide secret's value is redacted too.
  expect(hashed.stdout).toContain('[secret SHARED_REGION]');

  // Every process on the host (the bwrap of the shell above included): no argv holds the value.
  const waiting = live.sandbox.spawn('sleep 30');
  let cmdlines = '';
  for (const pid of (await readdir('/proc')).filter((name) => /^\d+$/.test(name))) cmdlines += await readFile(`/proc/${pid}/cmdline`, 'latin1').catch(() => '');
  waiting.kill();
  expect(cmdlines).toContain('sleep 30');
  expect(cmdlines).toContain('bwrap');
  expectNoValue(cmdlines, 'a process argv');

  const owner = openTerminal(sessionId, ada.token);
  const editor = openTerminal(sessionId, bob.token);
  await waitFor(() => owner.state.ready && editor.state.ready, 'both terminals ready', 20_000);
  // The second half comes in a later write, after a pause: the value spans two output chunks.
  owner.type('echo "$API_TOKEN"; printf %s "$API_TOKEN" | base64; printf %s "${API_TOKEN:0:7}"; sleep 0.05; echo "${API_TOKEN:7}"; echo done-$((6*7))\r');
  await waitFor(() => editor.state.output.includes('done-42'), 'the editor sees the output', 15_000);
  expect(editor.state.output.split(MARKER).length - 1).toBeGreaterThanOrEqual(3);
  expectNoValue(editor.state.output, 'the second viewer’s terminal');
  expectNoValue(owner.state.output, 'the typing person’s terminal');
  const late = openTerminal(sessionId, vic.token);
  await waitFor(() => late.state.output.includes('done-42'), 'the late joiner gets the scrollback', 15_000);
  expect(late.state.output).toContain(MARKER);
  expectNoValue(late.state.output, 'the scrollback');
  for (const client of [owner, editor, late]) client.socket.close();
});

it('the agent’s bash output is redacted in the doc, the stored whole output and the next model request; no doc update holds the value', async () => {
  const { sessionId, ada, tab } = await sessionWithPeople(shared, 'Agent uses the secret', 'bob');
  // The second half of the value comes in a later chunk; the command then waits, so its live output can be read.
  const command = 'echo "key=$API_TOKEN"; printf %s "${API_TOKEN:0:5}"; sleep 0.05; echo "${API_TOKEN:5}"; echo waiting; while [ ! -e go ]; do sleep 0.05; done; seq 1 20000';
  const first = fake.requests.length;
  fake.setScript((_request, index) => (index === first ? toolReply('bash', { command }) : textReply('Used it.')));
  await shared.api.call('POST', `/sessions/${sessionId}/messages`, ada.token, { text: 'Print the key.', delivery: 'prompt' });
  const running = () => readTranscript(tab.doc).find((entry): entry is ToolCallEntry => entry.kind === 'tool-call');
  await waitFor(() => running()?.liveOutput?.includes('waiting') === true, 'the live output to reach the viewer', 60_000);
  expect(running()!.liveOutput!.split(MARKER).length - 1).toBe(2);
  expectNoValue(running()!.liveOutput!, 'the live output');
  await (await shared.server.runtime!.ensureStarted(sessionId)).sandbox.writeFile('go', '');
  await waitFor(() => ['done', 'failed', 'stopped'].includes(readAgentState(tab.doc)?.state ?? ''), 'the run to end', 60_000);
  expect(readAgentState(tab.doc)?.state).toBe('done');

  const call = readTranscript(tab.doc).find((entry): entry is ToolCallEntry => entry.kind === 'tool-call')!;
  expect(call.output).toContain(`key=${MARKER}`);
  expect(call.output!.split(MARKER).length - 1).toBe(2);
  expectNoValue(JSON.stringify(readTranscript(tab.doc)), 'the transcript');
  const whole = await (await fetch(`${shared.server.url}/api/sessions/${sessionId}/tool-calls/${call.id}/output`, { headers: { authorization: `Bearer ${ada.token}` } })).text();
  expect(whole).toContain(`key=${MARKER}`);
  expect(whole).toContain('\n20000\n');
  expectNoValue(whole, 'the stored whole output');

  const next = fake.requests[first + 1]!;
  const sent = JSON.stringify(next.body.messages);
  expect(sent).toContain(`key=${MARKER}`);
  expectNoValue(sent, 'the next model request');

  const updates = await shared.server.database.db.select().from(docUpdates);
  expect(updates.length).toBeGreaterThan(0);
  expectNoValue(Buffer.concat(updates.map((row) => Buffer.from(row.data))).toString('latin1'), 'the stored doc updates');
  expectNoValue(logged.join('\n'), 'the server log');
});

it('rotating the key re-seals every value under a new key id; sessions still get the value', async () => {
  const before = await shared.server.database.db.select().from(environmentSecrets);
  const response = await fetch(`${shared.server.url}/api/admin/rotate-secrets-key`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  expect(response.status).toBe(200);
  const report = (await response.json()) as RotateSecretsKeyResponse;
  expect(report.resealed).toBe(2);
  const after = await shared.server.database.db.select().from(environmentSecrets);
  expect(new Set(after.map((row) => row.keyId))).toEqual(new Set([report.keyId]));
  expect(before.every((row) => row.keyId !== report.keyId)).toBe(true);
  // The old master is forgotten: only the current one is kept.
  const masters = (await shared.server.database.db.select().from(serverSecrets)).filter((row) => row.name.startsWith('environment-secrets-key:'));
  expect(masters.map((row) => row.name)).toEqual([`environment-secrets-key:${report.keyId}`]);

  const { sessionId } = await sessionWithPeople(shared, 'After rotation');
  const live = await shared.server.runtime!.ensureStarted(sessionId);
  expect((await live.sandbox.exec('printenv API_TOKEN | sha256sum')).stdout).toContain(sha256Line(VALUE));
});

it('a setup script gets only the secrets its environment file names for setup, and its log has them redacted', async () => {
  await shared.server.secrets.put({ scope: 'repo', repo: SETUP_REPO, name: 'SETUP_TOKEN', value: SETUP_VALUE, by: 'test' });
  await shared.server.secrets.put({ scope: 'repo', repo: SETUP_REPO, name: 'API_TOKEN', value: VALUE, by: 'test' });
  const ada = await shared.api.identity('Ada');
  const sessionId = await shared.api.createSession(ada.token, 'Setup with a secret', SETUP_REPO);
  const live = await shared.server.runtime!.ensureStarted(sessionId);
  // Written by setup into the snapshot the session started from.
  expect((await live.sandbox.exec('cat setup-token.sha256; cat setup-api-token.txt')).stdout).toContain(sha256Line(SETUP_VALUE));
  expect((await live.sandbox.exec('cat setup-api-token.txt')).stdout).toBe('api token: none\n');
  // The session itself gets every secret of the repo (its file names none for sessions).
  expect((await live.sandbox.exec('printenv API_TOKEN | sha256sum')).stdout).toContain(sha256Line(VALUE));

  const logs: string[] = [];
  for (const entry of await readdir(shared.server.sandboxDir!, { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && entry.name === 'setup.log') logs.push(await readFile(path.join(entry.parentPath, entry.name), 'utf8'));
  }
  const log = logs.find((text) => text.includes('setup saw'));
  expect(log).toContain('setup saw [secret SETUP_TOKEN]');
  expect(log).not.toContain(SETUP_VALUE);
});

it('a service gets only the secrets its environment file names for services, and its log shows them redacted', async () => {
  await shared.server.secrets.put({ scope: 'repo', repo: SERVICE_REPO, name: 'SERVICE_TOKEN', value: SERVICE_VALUE, by: 'test' });
  await shared.server.secrets.put({ scope: 'repo', repo: SERVICE_REPO, name: 'API_TOKEN', value: VALUE, by: 'test' });
  const ada = await shared.api.identity('Ada');
  const sessionId = await shared.api.createSession(ada.token, 'Service with a secret', SERVICE_REPO);
  await shared.server.runtime!.ensureStarted(sessionId);
  const socket = new WebSocket(`${shared.server.url.replace('http', 'ws')}${terminalPath(sessionId, serviceLogTerminalId('echoer'))}?token=${ada.token}`);
  let log = '';
  socket.on('message', (data, isBinary) => {
    if (isBinary) log += Buffer.from(data as Buffer).toString('utf8');
  });
  // Its own output line, whole (the `[tandem] starting` line quotes the command, `api:` included; a
  // redacting stream may hold a line's last characters back a moment, in case they begin a value).
  await waitFor(() => /\napi:\S+\r?\n/.test(log) && log.includes(sha256Line(SERVICE_VALUE)), 'the service log', 30_000);
  socket.close();
  expect(log).toContain('svc:[secret SERVICE_TOKEN]');
  expect(log).toContain(sha256Line(SERVICE_VALUE));
  expect(log).toContain('api:none');
  expect(log).not.toContain(SERVICE_VALUE);
});
