import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { liveFileText } from '@tandem/shared/doc/accessors.js';
import { filesMap } from '@tandem/shared/doc/schema.js';
import { EXAMPLE_REPO } from '../server/test-support/local-sandbox.js';
import { apiClient, waitFor } from '../server/test-support/test-server.js';
import { TandemServer } from '../server/test-support/server-process.js';
import { hocuspocusSocketClass } from './peers/hocuspocus-framing.js';
import { freeLoopbackPort } from '../server/test-support/server-process.js';
import { startPeerProcess } from './peers/peer-process.js';
import { report, summarize, type BenchRow } from './stats.js';

/**
 * 20 stock y-websocket clients typing into one live file, against Tandem and, in the same run with the
 * same clients and the same updates, the stock @y/websocket-server and a stock Hocuspocus server.
 * Every server runs in its own process. Latency rounds alternate between the servers, so load from
 * elsewhere on the machine falls on all of them alike. Each update is one keystroke (one character
 * appended to the file's Y.Text, what the editor sends). Per server:
 * - "update → all N other clients": per update, the time until the LAST receiver has it (what a
 *   person waiting for everyone to see an edit waits for);
 * - "update → one client": every single delivery, each a sample (N per update);
 * - the update rate the server takes in with every client typing at once.
 */
const CLIENTS = 20;
const LATENCY_ROUNDS_PER_SERVER = 200;
const WARM_UP_ROUNDS_PER_SERVER = 20;
const THROUGHPUT_UPDATES_PER_CLIENT = 250;
const SYNC_TIMEOUT_MS = 30_000;
const THROUGHPUT_TIMEOUT_MS = 120_000;
const ROOM = 'fanout-bench';
/** The live file everyone types into (opened through the API on Tandem, where people may only edit live files). */
const FILE = 'src/slugify.js';

interface Client {
  doc: Y.Doc;
  provider: WebsocketProvider;
}

interface FanoutServer {
  name: string;
  clients: Client[];
  dispose(): Promise<void>;
}

function connectClients(serverUrl: string, room: string, options: { params?: Record<string, string>; socketClass?: typeof globalThis.WebSocket }): Client[] {
  return Array.from({ length: CLIENTS }, () => {
    const doc = new Y.Doc();
    const provider = new WebsocketProvider(serverUrl, room, doc, {
      WebSocketPolyfill: options.socketClass ?? (WebSocket as unknown as typeof globalThis.WebSocket),
      params: options.params ?? {},
      disableBc: true,
    });
    return { doc, provider };
  });
}

async function packageVersion(name: string): Promise<string> {
  const json: unknown = JSON.parse(await readFile(`node_modules/${name}/package.json`, 'utf8'));
  return typeof json === 'object' && json !== null && 'version' in json ? String(json.version) : 'unknown';
}

async function startTandem(): Promise<FanoutServer> {
  const server = await TandemServer.create();
  await server.start();
  const api = apiClient(server.url);
  const ada = await api.identity('Bench');
  const sessionId = await api.createSession(ada.token, 'Fan-out bench', EXAMPLE_REPO);
  const clients = connectClients(`${server.url.replace('http', 'ws')}/sync`, sessionId, { params: { token: ada.token } });
  const opened = await api.call('POST', `/sessions/${sessionId}/files/open`, ada.token, { path: FILE });
  if (opened.status !== 200) throw new Error(`could not open ${FILE}: ${JSON.stringify(opened.body)}`);
  return { name: 'Tandem', clients, dispose: () => server.dispose() };
}

/** On the peers, which have no file sync, the first client puts the same file text into the doc. */
async function addFileText(clients: Client[]): Promise<void> {
  await waitFor(() => clients[0]!.provider.synced, 'the first client synced', SYNC_TIMEOUT_MS);
  const content = await readFile(path.join(EXAMPLE_REPO, FILE), 'utf8');
  clients[0]!.doc.transact(() => filesMap(clients[0]!.doc).set(FILE, new Y.Text(content)));
}

const fileText = (client: Client): Y.Text => {
  const text = liveFileText(client.doc, FILE);
  if (!text) throw new Error(`${FILE} is not live at this client`);
  return text;
};

async function startStockServer(): Promise<FanoutServer> {
  const port = await freeLoopbackPort();
  // The package's own server script, unchanged: node_modules/@y/websocket-server/src/server.js.
  const peer = await startPeerProcess('@y/websocket-server', ['node_modules/@y/websocket-server/src/server.js'], { HOST: '127.0.0.1', PORT: String(port) }, /on port (\d+)/);
  const version = await packageVersion('@y/websocket-server');
  const clients = connectClients(peer.url, ROOM, {});
  await addFileText(clients);
  return { name: `@y/websocket-server ${version}`, clients, dispose: peer.stop };
}

async function startHocuspocus(): Promise<FanoutServer> {
  const peer = await startPeerProcess('Hocuspocus', ['--import', 'tsx', 'bench/peers/hocuspocus-server.ts'], {}, /hocuspocus ready on (\d+)/);
  const version = await packageVersion('@hocuspocus/server');
  const clients = connectClients(peer.url, ROOM, { socketClass: hocuspocusSocketClass('bench') });
  await addFileText(clients);
  return { name: `Hocuspocus ${version}`, clients, dispose: peer.stop };
}

/** One keystroke from `sender`; resolves with each other client's delivery time, in ms after the keystroke. */
async function oneKeystroke(clients: Client[], sender: Client): Promise<number[]> {
  const expectedLength = fileText(sender).length + 1;
  let sentAt = 0;
  const deliveries = clients
    .filter((client) => client !== sender)
    .map(
      (client) =>
        new Promise<number>((resolve) => {
          const text = fileText(client);
          const observer = () => {
            if (text.length < expectedLength) return;
            text.unobserve(observer);
            resolve(performance.now() - sentAt);
          };
          text.observe(observer);
        }),
    );
  sentAt = performance.now();
  const text = fileText(sender);
  text.insert(text.length, 'x');
  return Promise.all(deliveries);
}

/** Every client types as fast as it can (one transaction per character); done when every client has every character. */
async function throughput(server: FanoutServer): Promise<number> {
  const startLength = fileText(server.clients[0]!).length;
  const total = CLIENTS * THROUGHPUT_UPDATES_PER_CLIENT;
  const started = performance.now();
  for (const client of server.clients) {
    const text = fileText(client);
    for (let index = 0; index < THROUGHPUT_UPDATES_PER_CLIENT; index += 1) text.insert(text.length, 'y');
  }
  await waitFor(() => server.clients.every((client) => fileText(client).length === startLength + total), `every keystroke at every ${server.name} client`, THROUGHPUT_TIMEOUT_MS);
  return (total / (performance.now() - started)) * 1000;
}

export async function benchSyncFanout(): Promise<void> {
  const servers: FanoutServer[] = [];
  try {
    for (const start of [startTandem, startStockServer, startHocuspocus]) servers.push(await start());
    for (const server of servers) {
      const ready = (client: Client) => client.provider.synced && liveFileText(client.doc, FILE) !== undefined;
      await waitFor(() => server.clients.every(ready), `all ${server.name} clients synced with ${FILE} live`, SYNC_TIMEOUT_MS);
    }

    const toAll = servers.map(() => [] as number[]);
    const toOne = servers.map(() => [] as number[]);
    const rounds = (WARM_UP_ROUNDS_PER_SERVER + LATENCY_ROUNDS_PER_SERVER) * servers.length;
    for (let round = 0; round < rounds; round += 1) {
      const serverIndex = round % servers.length;
      const { clients } = servers[serverIndex]!;
      const serverRound = Math.floor(round / servers.length);
      const deliveries = await oneKeystroke(clients, clients[serverRound % CLIENTS]!);
      if (serverRound < WARM_UP_ROUNDS_PER_SERVER) continue;
      toAll[serverIndex]!.push(Math.max(...deliveries));
      toOne[serverIndex]!.push(...deliveries);
    }

    const updatesPerSecond: number[] = [];
    for (const server of servers) updatesPerSecond.push(await throughput(server));

    const others = CLIENTS - 1;
    const rows: BenchRow[] = servers.flatMap((server, index) => {
      const all = summarize(toAll[index]!);
      const one = summarize(toOne[index]!);
      return [
        { metric: `${server.name}: update → all ${others} other clients (last one has it), p50`, value: all.p50, unit: 'ms' },
        { metric: `${server.name}: update → all ${others} other clients (last one has it), p95`, value: all.p95, unit: 'ms' },
        { metric: `${server.name}: update → all ${others} other clients (last one has it), p99`, value: all.p99, unit: 'ms' },
        { metric: `${server.name}: update → one client (each single delivery), p50`, value: one.p50, unit: 'ms' },
        { metric: `${server.name}: update → one client (each single delivery), p95`, value: one.p95, unit: 'ms' },
        { metric: `${server.name}: update → one client (each single delivery), p99`, value: one.p99, unit: 'ms' },
        { metric: `${server.name}: keystrokes in, all ${CLIENTS} clients typing at once`, value: updatesPerSecond[index]!, unit: 'updates/s' },
      ];
    });
    await report('sync-fanout', rows, {
      clients: CLIENTS,
      latencyRoundsPerServer: LATENCY_ROUNDS_PER_SERVER,
      warmUpRoundsPerServer: WARM_UP_ROUNDS_PER_SERVER,
      throughputUpdatesPerServer: CLIENTS * THROUGHPUT_UPDATES_PER_CLIENT,
      servers: servers.map((server) => server.name),
      note:
        `same stock y-websocket clients and updates for every server (one-character inserts into ${FILE}), each server in its own process, latency rounds interleaved. ` +
        'Tandem checks a signed token and role per connection, checks each update against what people may change, relays each update only once PGlite has committed it to disk (fsync on, one write per event-loop turn for everything that arrived) and writes the live file to the sandbox; ' +
        'the stock server and Hocuspocus keep the doc in memory only. ' +
        'Hocuspocus clients go through a socket that adds its document-name framing and auth message (bench/peers/hocuspocus-framing.ts).',
      cpus: os.cpus().length,
      node: process.version,
    });
  } finally {
    for (const server of servers) {
      for (const client of server.clients) client.provider.destroy();
      await server.dispose();
    }
  }
}
