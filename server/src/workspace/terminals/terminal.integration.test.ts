import { rm } from 'node:fs/promises';
import WebSocket from 'ws';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readMeta } from '@tandem/shared/doc/accessors.js';
import { MAX_TERMINAL_COLS, MIN_TERMINAL_ROWS, terminalPath, type TerminalServerMessage } from '@tandem/shared/protocol/terminal.js';
import type { RunningServer } from '../../server.js';
import { apiClient, connectPeer, makeTempDir, startTestServer, waitFor, waitForSync, type TestPeer } from '../../../test-support/test-server.js';
import { EXAMPLE_REPO } from '../../../test-support/local-sandbox.js';

let dataDir: string;
let server: RunningServer;
let api: ReturnType<typeof apiClient>;
const sockets: WebSocket[] = [];
const peers: TestPeer[] = [];

beforeAll(async () => {
  dataDir = await makeTempDir('terminal');
  server = await startTestServer(dataDir, { sandboxes: true });
  api = apiClient(server.url);
});
afterAll(async () => {
  for (const socket of sockets) socket.close();
  for (const peer of peers) peer.destroy();
  await server.close();
  await rm(dataDir, { recursive: true, force: true });
});

/** A terminal client as the browser runs it: collects output and control messages. */
function openTerminal(sessionId: string, token: string) {
  const socket = new WebSocket(`${server.url.replace('http', 'ws')}${terminalPath(sessionId, 't1')}?token=${token}`);
  sockets.push(socket);
  const state = { output: '', messages: [] as TerminalServerMessage[], closeCode: 0 };
  socket.on('message', (data, isBinary) => {
    if (isBinary) state.output += Buffer.from(data as Buffer).toString('utf8');
    else state.messages.push(JSON.parse(String(data)) as TerminalServerMessage);
  });
  socket.on('close', (code) => (state.closeCode = code));
  const type = (data: string) => socket.send(JSON.stringify({ type: 'input', data }));
  return { socket, state, type };
}

it('two people share one shell: the editor types, both see it, the viewer cannot type, a late joiner sees history', async () => {
  const ada = await api.identity('Ada');
  const vic = await api.identity('Vic');
  const sessionId = await api.createSession(ada.token, 'Shell together', EXAMPLE_REPO);
  const link = await api.share(ada.token, sessionId, 'viewer');
  await api.join(vic.token, link.token);

  const owner = openTerminal(sessionId, ada.token);
  const viewer = openTerminal(sessionId, vic.token);
  await waitFor(() => owner.state.messages.some((message) => message.type === 'ready'), 'owner ready', 20_000);
  await waitFor(() => viewer.state.messages.some((message) => message.type === 'ready'), 'viewer ready', 20_000);
  expect(owner.state.messages[0]).toMatchObject({ type: 'ready', canType: true });
  expect(viewer.state.messages[0]).toMatchObject({ type: 'ready', canType: false });

  owner.type('echo hello-$((40+2)) && whoami\r');
  await waitFor(() => viewer.state.output.includes('hello-42'), 'viewer sees the output', 10_000);
  expect(viewer.state.output).toContain('tandem');

  viewer.type('touch viewer-was-here\r');
  await waitFor(() => viewer.state.messages.some((message) => message.type === 'refused'), 'refusal', 5_000);
  // The marker is computed by the shell, so the echoed command line cannot satisfy the wait.
  owner.type('ls viewer-was-here; echo checked-$((6*7))\r');
  await waitFor(() => owner.state.output.includes('checked-42'), 'check ran', 5_000);
  expect(owner.state.output).toMatch(/cannot access 'viewer-was-here'/);

  const late = openTerminal(sessionId, ada.token);
  await waitFor(() => late.state.output.includes('hello-42'), 'late joiner gets scrollback', 10_000);

  // The waterfall and the sandbox state are in the doc for every viewer.
  const tab = connectPeer(server.url, sessionId, ada.token);
  peers.push(tab);
  await waitForSync(tab);
  const meta = readMeta(tab.doc);
  expect(meta).toMatchObject({ sandbox: 'local', sandboxState: 'ready', terminals: ['t1'] });
  const timings = meta.timings;
  expect(timings.requestedAt).toBeLessThanOrEqual(timings.snapshotReadyAt!);
  expect(timings.snapshotReadyAt).toBeLessThanOrEqual(timings.sandboxAcquiredAt!);
  expect(timings.sandboxAcquiredAt).toBeLessThanOrEqual(timings.workspaceMountedAt!);
  expect(timings.workspaceMountedAt).toBeLessThanOrEqual(timings.terminalReadyAt!);
});

it('keeps the socket open and clamps the size when a screen is too small or too large for a PTY', async () => {
  const ada = await api.identity('Ada');
  const sessionId = await api.createSession(ada.token, 'Tiny window', EXAMPLE_REPO);
  const client = openTerminal(sessionId, ada.token);
  await waitFor(() => client.state.messages.some((message) => message.type === 'ready'), 'ready', 20_000);

  // A window made very short: 2 rows. Then one far too wide. Neither may cost the person their terminal.
  client.socket.send(JSON.stringify({ type: 'resize', cols: 80, rows: 2 }));
  await waitFor(() => client.state.messages.some((message) => message.type === 'size' && message.rows === MIN_TERMINAL_ROWS), 'clamped size', 5_000);
  client.socket.send(JSON.stringify({ type: 'resize', cols: 100_000, rows: -3 }));
  await waitFor(() => client.state.messages.some((message) => message.type === 'size' && message.cols === MAX_TERMINAL_COLS), 'clamped width', 5_000);

  // The shell still takes input and sees the clamped size.
  client.type('echo size-$(stty size | tr " " x) t-$((6*7))\r');
  await waitFor(() => client.state.output.includes('t-42'), 'typed command ran', 10_000);
  expect(client.state.output).toContain(`size-${MIN_TERMINAL_ROWS}x${MAX_TERMINAL_COLS}`);
  expect(client.state.closeCode).toBe(0);
  expect(client.socket.readyState).toBe(WebSocket.OPEN);
});

it('closes with a clear reason when malformed input arrives, and refuses a repo that cannot be used', async () => {
  const ada = await api.identity('Ada');
  const sessionId = await api.createSession(ada.token, 'Bad input', EXAMPLE_REPO);
  const client = openTerminal(sessionId, ada.token);
  await waitFor(() => client.state.messages.some((message) => message.type === 'ready'), 'ready', 20_000);
  client.socket.send(JSON.stringify({ type: 'resize', cols: 'wide' }));
  await waitFor(() => client.state.closeCode !== 0, 'close');
  expect(client.state.closeCode).toBe(4400);

  // A repo the server may not use is refused when the session is created, saying what is allowed.
  const broken = await api.call<{ error: { code: string; message: string } }>('POST', '/sessions', ada.token, { title: 'Missing repo', repo: '/definitely/not/here' });
  expect(broken.status).toBe(400);
  expect(broken.body.error.message).toMatch(/outside the allowed repo roots.*TANDEM_REPO_ROOTS/s);
});
