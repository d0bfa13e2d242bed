import path from 'node:path';
import WebSocket from 'ws';
import { afterAll, expect, it } from 'vitest';
import { readMeta } from '@tandem/shared/doc/accessors.js';
import type { ServiceStatus } from '@tandem/shared/doc/schema.js';
import { serviceLogTerminalId, terminalPath, type TerminalServerMessage } from '@tandem/shared/protocol/terminal.js';
import { serverForFile } from '../../../test-support/server-per-file.js';
import { connectPeer, waitFor, waitForSync, type TestPeer } from '../../../test-support/test-server.js';

/** initdb and the first start of PostgreSQL take a few seconds, more on a busy machine. */
const POSTGRES_READY_TIMEOUT_MS = 60_000;
const WITH_POSTGRES = path.resolve('examples/with-postgres');

const shared = serverForFile('services');
const sockets: WebSocket[] = [];
afterAll(() => sockets.forEach((socket) => socket.close()));

async function sessionOnPostgresExample(title: string) {
  const [ada, bob, vic] = await Promise.all(['Ada', 'Bob', 'Vic'].map((name) => shared.api.identity(name)));
  const sessionId = await shared.api.createSession(ada!.token, title, WITH_POSTGRES);
  await shared.api.join(bob!.token, (await shared.api.share(ada!.token, sessionId, 'editor')).token);
  await shared.api.join(vic!.token, (await shared.api.share(ada!.token, sessionId, 'viewer')).token);
  const tab: TestPeer = connectPeer(shared.server.url, sessionId, vic!.token);
  shared.peers.push(tab);
  await waitForSync(tab);
  const postgres = (): ServiceStatus | undefined => readMeta(tab.doc).services.find((service) => service.name === 'postgres');
  return { sessionId, ada: ada!, bob: bob!, vic: vic!, tab, postgres };
}

function openLog(sessionId: string, token: string) {
  const socket = new WebSocket(`${shared.server.url.replace('http', 'ws')}${terminalPath(sessionId, serviceLogTerminalId('postgres'))}?token=${token}`);
  sockets.push(socket);
  const state = { output: '', messages: [] as TerminalServerMessage[] };
  socket.on('message', (data, isBinary) => {
    if (isBinary) state.output += Buffer.from(data as Buffer).toString('utf8');
    else state.messages.push(JSON.parse(String(data)) as TerminalServerMessage);
  });
  return { socket, state };
}

let warm: Awaited<ReturnType<typeof sessionOnPostgresExample>>;

it('a warm sandbox starts the repo’s PostgreSQL before any session takes it, and the session’s npm test passes against it', async () => {
  // The first session builds the snapshot and fills the pool; the second takes the warm sandbox.
  const first = await sessionOnPostgresExample('Boot cold');
  await shared.server.runtime!.ensureStarted(first.sessionId);
  await shared.server.runtime!.warmPoolSettled();
  warm = await sessionOnPostgresExample('Take a warm one');
  const live = await shared.server.runtime!.ensureStarted(warm.sessionId);
  await waitFor(() => readMeta(warm.tab.doc).sandboxState === 'ready', 'the sandbox ready in the doc', 10_000);
  expect(readMeta(warm.tab.doc).sandboxSource).toBe('warm-pool');
  await waitFor(() => warm.postgres()?.state !== 'starting', 'postgres started in the doc', POSTGRES_READY_TIMEOUT_MS);
  expect(warm.postgres(), warm.postgres()?.logTail).toMatchObject({ state: 'ready' });
  expect(warm.postgres()!.startedAt).toBeLessThan(readMeta(warm.tab.doc).timings.requestedAt!);
  expect(warm.postgres()).toMatchObject({ terminalId: 'service-postgres', restarts: 0 });

  const run = await live.sandbox.exec('npm test 2>&1', { timeoutMs: 60_000 });
  expect(run.stdout).toMatch(/# pass 2\n# fail 0/);
  await shared.server.runtime!.stop(first.sessionId);
}, 180_000);

it('shows the service log in a read-only tab, to viewers and editors alike', async () => {
  const log = openLog(warm.sessionId, warm.bob.token);
  await waitFor(() => log.state.output.includes('ready to accept connections'), 'the log so far', 10_000);
  expect(log.state.messages[0]).toMatchObject({ type: 'ready', terminalId: 'service-postgres', canType: false });
  log.socket.send(JSON.stringify({ type: 'input', data: 'DROP DATABASE postgres;\r' }));
  await waitFor(() => log.state.messages.some((message) => message.type === 'refused'), 'refusal');
  expect(log.state.messages.find((message) => message.type === 'refused')).toMatchObject({ message: expect.stringMatching(/takes no input/) });
});

it('a killed PostgreSQL is shown as crashed with its log, comes back by itself, and an editor (not a viewer) can restart it', async () => {
  const live = await shared.server.runtime!.ensureStarted(warm.sessionId);
  const states: string[] = [];
  const record = () => states.push(warm.postgres()?.state ?? 'none');
  warm.tab.doc.on('update', record);
  // The postmaster is killed from inside PostgreSQL's own sandbox process (its pids are private to it).
  const psql = `psql -h /workspace/.services/postgres -U postgres -X -c "COPY (SELECT 1) TO PROGRAM 'kill -9 \\$(head -n 1 /tmp/pgdata/postmaster.pid)'"`;
  await live.sandbox.exec(psql, { timeoutMs: 20_000 });
  await waitFor(() => warm.postgres()?.state === 'crashed', 'crashed in the doc', 20_000);
  expect(warm.postgres()).toMatchObject({ exitCode: 137, message: expect.stringMatching(/postgres: it exited with code 137; starting it again/) });
  expect(warm.postgres()!.logTail).toMatch(/ready to accept connections/);
  // The launcher's own job notices stay out of the service's log.
  expect(warm.postgres()!.logTail).not.toMatch(/Killed|1>&3/);
  await waitFor(() => warm.postgres()?.state === 'ready' && warm.postgres()?.restarts === 1, 'back by itself', POSTGRES_READY_TIMEOUT_MS);
  warm.tab.doc.off('update', record);
  expect(states).toContain('starting');

  const restart = (token: string, name = 'postgres') => shared.api.call('POST', `/sessions/${warm.sessionId}/services/${name}/restart`, token);
  expect((await restart(warm.vic.token)).status).toBe(403);
  expect((await restart(warm.bob.token, 'redis')).status).toBe(404);
  expect((await restart(warm.bob.token)).status).toBe(202);
  await waitFor(() => warm.postgres()?.state === 'ready' && warm.postgres()?.restarts === 2, 'ready after the restart', POSTGRES_READY_TIMEOUT_MS);
  const again = await live.sandbox.exec('npm test 2>&1', { timeoutMs: 60_000 });
  expect(again.exitCode).toBe(0);
}, 180_000);
