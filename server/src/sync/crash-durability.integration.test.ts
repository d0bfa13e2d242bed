import { spawn, type ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { addPlanStep, readPlan, readTranscript } from '@tandem/shared/doc/accessors.js';
import { Origin, personOrigin } from '@tandem/shared/doc/origins.js';
import { planArray, transcriptArray } from '@tandem/shared/doc/schema.js';
import { createTempPostgresDatabase } from '../../test-support/postgres.js';
import type { RunningServer } from '../server.js';
import { apiClient, connectPeer, makeTempDir, startTestServer, waitFor, waitForSync, type TestPeer } from '../../test-support/test-server.js';
import { connectSyncedPeer, waitForAsync } from '../../test-support/wait.js';

/** A person writing from their own tab. */
const AS_PERSON = personOrigin({ id: 'u_person', name: 'A person' });

/**
 * A server process killed with SIGKILL gets no chance to save anything: whatever it relayed to one
 * tab before it died must come back from the store. The server runs as a child process (the real
 * composition root, without sandboxes) so it can be killed for real.
 */
const UPDATES = 500;
const SERVER_START_TIMEOUT_MS = 180_000;
const RECEIVE_TIMEOUT_MS = 60_000;
const TEST_TIMEOUT_MS = 420_000;

const SERVER_ENTRY = `
import { loadConfig } from './server/src/config.ts';
import { startServer } from './server/src/server.ts';
const server = await startServer(loadConfig(), { sandboxes: false });
console.log('[tandem] ready on ' + server.url);
`;

interface ServerChild {
  url: string;
  child: ChildProcess;
  output(): string;
}

async function startServerProcess(env: Record<string, string>): Promise<ServerChild> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', SERVER_ENTRY], {
    env: { ...process.env, ANTHROPIC_API_KEY: '', ANTHROPIC_BASE_URL: '', PORT: '0', HOST: '127.0.0.1', DATABASE_URL: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + SERVER_START_TIMEOUT_MS;
  let url: string | undefined;
  while (!(url = /ready on (http:\/\/\S+)/.exec(output)?.[1])) {
    if (child.exitCode !== null) throw new Error(`server exited (${child.exitCode}):\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not start in ${SERVER_START_TIMEOUT_MS / 1000} s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { url, child, output: () => output };
}

async function killHard(server: ServerChild): Promise<void> {
  if (server.child.exitCode !== null || server.child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => server.child.once('exit', () => resolve()));
  server.child.kill('SIGKILL');
  await exited;
}

const stepCount = (peer: TestPeer) => readPlan(peer.doc).length;
const messageCount = (peer: TestPeer) => readTranscript(peer.doc).length;
/** What the tab writes (UPDATES plan steps) and the server writes (one chat message into the transcript). Cheap: it runs on every transaction. */
const hasEverything = (peer: TestPeer) => planArray(peer.doc).length === UPDATES && transcriptArray(peer.doc).length === 1;

/** What the store does meanwhile: each hook is awaited at its point of the scenario. */
interface StoreCondition {
  /** Before anything is written. */
  before?(): Promise<void>;
  /** Once the server has taken its own write (a chat message) and asked the store to keep it. */
  afterServerWrite?(): Promise<void>;
  /** Once the tab's writes are sent and the server has read them all. */
  afterTabWrites?(): Promise<void>;
}

/**
 * The server writes a chat message and one tab writes UPDATES plan steps; the server is SIGKILLed the
 * moment another tab has all of it. Returns what a fresh tab finds after a restart on the same store.
 */
async function relayedThenKilled(env: Record<string, string>, condition: StoreCondition = {}): Promise<{ steps: number; messages: number }> {
  const running: ServerChild[] = [];
  const peers: TestPeer[] = [];
  try {
    const first = await startServerProcess(env);
    running.push(first);
    const api = apiClient(first.url);
    const ada = await api.identity('Ada');
    const sessionId = await api.createSession(ada.token, 'Crash test');
    const writer = connectPeer(first.url, sessionId, ada.token);
    const reader = connectPeer(first.url, sessionId, ada.token);
    peers.push(writer, reader);
    await waitForSync(writer);
    await waitForSync(reader);

    // The moment the second tab has it all, the server dies: no flush, no shutdown, nothing it can react to.
    let killed = false;
    const killWhenComplete = () => {
      if (killed || !hasEverything(reader)) return;
      killed = true;
      first.child.kill('SIGKILL');
    };
    reader.doc.on('afterTransaction', killWhenComplete);

    await condition.before?.();
    // Answered once stored; the server may be gone by then.
    const posted = api.call('POST', `/sessions/${sessionId}/messages`, ada.token, { text: 'Before the crash' }).catch(() => undefined);
    await condition.afterServerWrite?.();
    // One transaction each, so UPDATES separate updates go over the wire; then the writer's presence.
    for (let index = 0; index < UPDATES; index += 1) addPlanStep(writer.doc, { id: `s${index}`, title: `Step ${index}` }, AS_PERSON);
    writer.provider.awareness.setLocalState({ user: ada.user });
    // Presence is relayed as it comes, in order on the writer's socket: once the reader has it, the server has read every update.
    await waitFor(() => reader.provider.awareness.getStates().get(writer.doc.clientID)?.user !== undefined, "the writer's presence at the reader", RECEIVE_TIMEOUT_MS);
    await condition.afterTabWrites?.();
    await waitFor(() => killed, 'the second tab to receive everything', RECEIVE_TIMEOUT_MS);
    await killHard(first);
    await posted;
    writer.destroy();
    reader.destroy();

    const second = await startServerProcess(env);
    running.push(second);
    const fresh = await connectSyncedPeer(second.url, sessionId, ada.token);
    peers.push(fresh);
    return { steps: stepCount(fresh), messages: messageCount(fresh) };
  } finally {
    for (const peer of peers) peer.destroy();
    for (const server of running) await killHard(server);
  }
}

/**
 * Another transaction holds doc_updates locked, so the server's writes wait (a slow or busy database):
 * taken before anything is written, let go once the server waits on it and has read every tab update.
 */
function lockedDocUpdates(url: string): StoreCondition & { release(): Promise<void> } {
  const locker = new pg.Client({ connectionString: url });
  let connected = false;
  let released = false;
  const release = async () => {
    if (released || !connected) return;
    released = true;
    await locker.query('COMMIT');
    await locker.end();
  };
  return {
    async before() {
      await locker.connect();
      connected = true;
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE doc_updates IN EXCLUSIVE MODE');
    },
    async afterServerWrite() {
      await waitForAsync(async () => {
        const waiting = await locker.query("SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted AND relation = 'doc_updates'::regclass");
        return (waiting.rows[0] as { n: number }).n > 0;
      }, "the server's write to wait on the lock", RECEIVE_TIMEOUT_MS);
    },
    afterTabWrites: release,
    release,
  };
}

describe('an update the server relayed survives kill -9', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('with PGlite', { timeout: TEST_TIMEOUT_MS }, async () => {
    const dataDir = await makeTempDir('crash');
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    expect(await relayedThenKilled({ TANDEM_DATA_DIR: dataDir })).toEqual({ steps: UPDATES, messages: 1 });
  });

  describe('with PostgreSQL', () => {
    async function postgresEnv(): Promise<{ url: string; env: Record<string, string> } | undefined> {
      const database = await createTempPostgresDatabase();
      if (!database) return undefined;
      cleanups.push(() => database.drop());
      const dataDir = await makeTempDir('crash-pg');
      cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
      return { url: database.url, env: { DATABASE_URL: database.url, TANDEM_DATA_DIR: dataDir } };
    }

    it('as it comes', { timeout: TEST_TIMEOUT_MS }, async (context) => {
      const target = await postgresEnv();
      if (!target) return context.skip();
      expect(await relayedThenKilled(target.env)).toEqual({ steps: UPDATES, messages: 1 });
    });

    it('when the store is slow to write', { timeout: TEST_TIMEOUT_MS }, async (context) => {
      const target = await postgresEnv();
      if (!target) return context.skip();
      const lock = lockedDocUpdates(target.url);
      cleanups.push(() => lock.release());
      expect(await relayedThenKilled(target.env, lock)).toEqual({ steps: UPDATES, messages: 1 });
    });
  });
});

describe('what the server writes itself', () => {
  let server: RunningServer | null = null;
  let database: Awaited<ReturnType<typeof createTempPostgresDatabase>>;
  let dataDir = '';
  afterAll(async () => {
    await server?.close();
    await database?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('reaches tabs, and answers a new tab, only once the store has it', { timeout: TEST_TIMEOUT_MS }, async (context) => {
    database = await createTempPostgresDatabase();
    if (!database) return context.skip();
    const url = database.url;
    dataDir = await makeTempDir('held');
    server = await startTestServer(dataDir, {}, 0, (config) => ({ ...config, database: { kind: 'postgres', url } }));
    const api = apiClient(server.url);
    const ada = await api.identity('Ada');
    const sessionId = await api.createSession(ada.token, 'Held until stored');
    const peers: TestPeer[] = [];
    const lock = lockedDocUpdates(url);
    try {
      const writer = connectPeer(server.url, sessionId, ada.token);
      const reader = connectPeer(server.url, sessionId, ada.token);
      peers.push(writer, reader);
      await waitForSync(writer);
      await waitForSync(reader);
      const presenceOf = (peer: TestPeer) => () => reader.provider.awareness.getStates().get(peer.doc.clientID)?.user !== undefined;

      await lock.before?.();
      // The agent's kind of write: straight onto the server's doc, not confirmed by anyone.
      await server.docHost.apply(sessionId, (doc) => addPlanStep(doc, { id: 'agent', title: 'Written by the agent' }, Origin.agent));
      await lock.afterServerWrite?.();
      // Presence is not held: once the reader has the writer's, it would have had a relay sent before it.
      writer.provider.awareness.setLocalState({ user: ada.user });
      await waitFor(presenceOf(writer), "the writer's presence at the reader");
      expect(stepCount(reader)).toBe(0);
      // A tab that connects now asks for the doc first, then says who it is: its answer waits too.
      const late = connectPeer(server.url, sessionId, ada.token);
      peers.push(late);
      late.provider.awareness.setLocalState({ user: ada.user });
      await waitFor(presenceOf(late), "the late tab's presence at the reader");
      expect(late.provider.synced).toBe(false);

      await lock.release();
      await waitFor(() => stepCount(reader) === 1 && late.provider.synced && stepCount(late) === 1, 'the step everywhere once stored');
    } finally {
      await lock.release();
      for (const peer of peers) peer.destroy();
    }
  });
});
