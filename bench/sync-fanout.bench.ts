import os from 'node:os';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { apiClient, waitFor } from '../server/test-support/test-server.js';
import { TandemServer } from '../server/test-support/server-process.js';
import { report, summarize } from './stats.js';

/**
 * 20 stock y-websocket clients on one session doc, the server in its own process (as in production):
 * the latency from one client's update to every other client, and the update rate the server takes in.
 * Comparable with the stock y-websocket server figures in shared/FIELD-NOTES.md.
 */
const CLIENTS = 20;
const LATENCY_ROUNDS = 200;
const THROUGHPUT_UPDATES_PER_CLIENT = 250;

export async function benchSyncFanout(): Promise<void> {
  const server = await TandemServer.create();
  await server.start();
  const clients: { doc: Y.Doc; provider: WebsocketProvider }[] = [];
  try {
    const api = apiClient(server.url);
    const ada = await api.identity('Bench');
    const sessionId = await api.createSession(ada.token, 'Fan-out bench');
    for (let index = 0; index < CLIENTS; index += 1) {
      const doc = new Y.Doc();
      const provider = new WebsocketProvider(`${server.url.replace('http', 'ws')}/sync`, sessionId, doc, {
        WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
        params: { token: ada.token },
        disableBc: true,
      });
      clients.push({ doc, provider });
    }
    await waitFor(() => clients.every((client) => client.provider.synced), 'all clients synced', 30_000);

    // Latency: one update at a time, from a rotating sender, timed until each other client has it.
    const latencies: number[] = [];
    for (let round = 0; round < LATENCY_ROUNDS; round += 1) {
      const sender = clients[round % CLIENTS]!;
      const key = `ping-${round}`;
      const pending = clients
        .filter((client) => client !== sender)
        .map(
          (client) =>
            new Promise<void>((resolve) => {
              const map = client.doc.getMap('bench');
              const observer = () => {
                if (!map.has(key)) return;
                latencies.push(performance.now() - sentAt);
                map.unobserve(observer);
                resolve();
              };
              map.observe(observer);
            }),
        );
      const sentAt = performance.now();
      sender.doc.getMap('bench').set(key, round);
      await Promise.all(pending);
    }

    // Throughput: every client sends as fast as it can; done when every client has every update.
    const total = CLIENTS * THROUGHPUT_UPDATES_PER_CLIENT;
    const started = performance.now();
    clients.forEach((client, clientIndex) => {
      for (let index = 0; index < THROUGHPUT_UPDATES_PER_CLIENT; index += 1) {
        client.doc.getArray<number>(`load-${clientIndex}`).push([index]);
      }
    });
    const loaded = (client: { doc: Y.Doc }) =>
      clients.every((_, clientIndex) => client.doc.getArray(`load-${clientIndex}`).length === THROUGHPUT_UPDATES_PER_CLIENT);
    await waitFor(() => clients.every(loaded), 'every update everywhere', 120_000);
    const elapsedMs = performance.now() - started;

    const latency = summarize(latencies);
    await report(
      'sync-fanout',
      [
        { metric: `update → all other ${CLIENTS - 1} clients p50`, value: latency.p50, unit: 'ms', target: 'stock y-websocket 1.7 ms' },
        { metric: `update → all other ${CLIENTS - 1} clients p95`, value: latency.p95, unit: 'ms' },
        { metric: `update → all other ${CLIENTS - 1} clients p99`, value: latency.p99, unit: 'ms', target: 'stock y-websocket ≈ 6 ms' },
        { metric: 'updates in, all clients at once', value: (total / elapsedMs) * 1000, unit: 'updates/s', target: 'stock ≈ 2,600/s' },
      ],
      { clients: CLIENTS, latencyRounds: LATENCY_ROUNDS, throughputUpdates: total, cpus: os.cpus().length, node: process.version },
    );
  } finally {
    for (const client of clients) client.provider.destroy();
    await server.dispose();
  }
}
