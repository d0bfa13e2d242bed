import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { afterAll, expect, it } from 'vitest';
import { readMeta, readTranscript } from '@tandem/shared/doc/accessors.js';
import type { ServiceStatus } from '@tandem/shared/doc/schema.js';
import { serviceLogTerminalId, terminalPath, type TerminalServerMessage } from '@tandem/shared/protocol/terminal.js';
import { serverForFile } from '../../../test-support/server-per-file.js';
import { connectPeer, waitFor, waitForSync } from '../../../test-support/test-server.js';

/**
 * Issue 17, a real repo with zero configuration: a repo that keeps only Cursor's
 * `.cursor/environment.json` gets its `start` run once and then its terminals running, in the real
 * sandbox of a session, shown in the doc as services whose logs people can open.
 */

const repoRoot = mkdtempSync(path.join(os.tmpdir(), 'tandem-cursor-services-'));
chmodSync(repoRoot, 0o755);
afterAll(() => rm(repoRoot, { recursive: true, force: true }));

function fixture(name: string, files: Record<string, string>): string {
  const dir = path.join(repoRoot, name);
  for (const [relative, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, relative)), { recursive: true });
    writeFileSync(path.join(dir, relative), content);
  }
  return dir;
}

const cursorEnvironment = JSON.stringify({
  start: 'echo "docker would start here"; sleep 1; date >> .cursor-started',
  // The terminal prints only if start ended before it began (upper-cased: its command line, in the log too, does not match).
  terminals: [{ name: 'Dev Server', command: 'test -f .cursor-started && echo "start ended first" | tr a-z A-Z; sleep 300', description: 'the app' }],
});
const CURSOR_REPO = fixture('cursor-app', { 'README.md': '# cursor app\n', '.cursor/environment.json': cursorEnvironment });
const BOTH_REPO = fixture('both-app', {
  '.cursor/environment.json': cursorEnvironment,
  '.tandem/environment.json': JSON.stringify({ services: [{ name: 'own', command: 'echo tandem own; sleep 300', ready: { command: 'true' } }] }),
});
const FAILING_START_REPO = fixture('failing-start-app', {
  '.cursor/environment.json': JSON.stringify({ start: 'echo "no docker here" >&2; exit 4', terminals: [{ name: 'watch', command: 'sleep 300' }] }),
});
const BROKEN_REPO = fixture('broken-app', { '.cursor/environment.json': '{ "start": ["make", "up"] }' });

const shared = serverForFile('cursor-services', { sandboxes: true }, (config) => ({
  ...config,
  sandbox: { ...config.sandbox, warmPoolSize: 0, repoRoots: [...config.sandbox.repoRoots, repoRoot] },
}));
const sockets: WebSocket[] = [];
afterAll(() => sockets.forEach((socket) => socket.close()));

async function session(title: string, repo: string) {
  const ada = (await shared.api.identity('Ada'))!;
  const sessionId = await shared.api.createSession(ada.token, title, repo);
  const tab = connectPeer(shared.server.url, sessionId, ada.token);
  shared.peers.push(tab);
  await waitForSync(tab);
  const live = await shared.server.runtime!.ensureStarted(sessionId);
  const service = (name: string): ServiceStatus | undefined => readMeta(tab.doc).services.find((each) => each.name === name);
  return { sessionId, ada, tab, live, service };
}

function openLog(sessionId: string, token: string, name: string) {
  const socket = new WebSocket(`${shared.server.url.replace('http', 'ws')}${terminalPath(sessionId, serviceLogTerminalId(name))}?token=${token}`);
  sockets.push(socket);
  const state = { output: '', messages: [] as TerminalServerMessage[] };
  socket.on('message', (data, isBinary) => {
    if (isBinary) state.output += Buffer.from(data as Buffer).toString('utf8');
    else state.messages.push(JSON.parse(String(data)) as TerminalServerMessage);
  });
  return state;
}

it('a session of a repo with only .cursor/environment.json runs its start once, then its terminal, shown as services with their logs', async () => {
  const { sessionId, ada, live, service } = await session('Cursor repo', CURSOR_REPO);
  await waitFor(() => service('cursor-start')?.state === 'ready' && service('dev-server')?.state === 'ready', 'start done and the terminal running in the doc', 30_000);
  expect(service('cursor-start')).toMatchObject({ exitCode: 0, terminalId: 'service-cursor-start', restarts: 0 });
  expect(service('dev-server')).toMatchObject({ terminalId: 'service-dev-server', restarts: 0 });
  const start = openLog(sessionId, ada.token, 'cursor-start');
  const terminal = openLog(sessionId, ada.token, 'dev-server');
  await waitFor(() => terminal.output.includes('START ENDED FIRST'), 'the terminal’s output (it ran after start)', 10_000);
  expect(start.output).toMatch(/docker would start here[\s\S]*cursor-start finished/);
  expect(terminal.output).toMatch(/waiting for cursor-start to end[\s\S]*starting dev-server/);
  expect(terminal.messages[0]).toMatchObject({ type: 'ready', terminalId: 'service-dev-server', canType: false });
  // In the session's workspace, once.
  expect((await live.sandbox.exec('wc -l < .cursor-started')).stdout.trim()).toBe('1');
  await shared.server.runtime!.stop(sessionId);
}, 180_000);

it('.tandem/environment.json’s own services win over Cursor’s file; a bad Cursor file is a note, not a crash', async () => {
  const both = await session('Both files', BOTH_REPO);
  await waitFor(() => both.service('own')?.state === 'ready', 'its own service', 30_000);
  expect(readMeta(both.tab.doc).services.map((each) => each.name)).toEqual(['own']);
  await shared.server.runtime!.stop(both.sessionId);

  const broken = await session('Broken Cursor file', BROKEN_REPO);
  await waitFor(() => readMeta(broken.tab.doc).sandboxState === 'ready', 'the sandbox ready in the doc', 10_000);
  await waitFor(() => readTranscript(broken.tab.doc).some((entry) => entry.kind === 'system-notice' && entry.text.includes('.cursor/environment.json')), 'the note', 10_000);
  expect(readMeta(broken.tab.doc).services).toEqual([]);
  const note = readTranscript(broken.tab.doc).find((entry) => entry.kind === 'system-notice');
  expect(note).toMatchObject({ level: 'warning', text: expect.stringMatching(/start and terminals are not run: start:/) });
  await shared.server.runtime!.stop(broken.sessionId);
}, 180_000);

it('a start that fails is shown failed with its exit code and log; the terminals start all the same', async () => {
  const { sessionId, service } = await session('Failing start', FAILING_START_REPO);
  await waitFor(() => service('cursor-start')?.state === 'failed' && service('watch')?.state === 'ready', 'start failed and the terminal running', 30_000);
  expect(service('cursor-start')).toMatchObject({ exitCode: 4, message: 'cursor-start: it exited with code 4 before it was ready' });
  expect(service('cursor-start')!.logTail).toMatch(/no docker here/);
  await shared.server.runtime!.stop(sessionId);
}, 180_000);
