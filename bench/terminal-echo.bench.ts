import os from 'node:os';
import { performance } from 'node:perf_hooks';
import * as pty from '@lydell/node-pty';
import { EXAMPLE_REPO } from '../server/test-support/local-sandbox.js';
import { TandemServer } from '../server/test-support/server-process.js';
import { apiClient } from '../server/test-support/test-server.js';
import { report, summarize } from './stats.js';
import { connectTerminal } from './terminal-client.js';

/**
 * Keystroke echo: a key typed into bash until its echo is back. Bare node-pty on the host is the
 * floor; Tandem adds the sandbox, the hub and the WebSocket, to 1 viewer (the typist) and to 5.
 */
const KEYSTROKES = 300;
const CLEAR_LINE_EVERY = 50;
/** How long the new session's background work (pool refill, tree listing) gets before keystrokes are timed. */
const SETTLE_MS = 3_000;

async function bareNodePty(): Promise<number[]> {
  const shell = pty.spawn('bash', ['--norc', '-i'], { name: 'xterm-256color', cols: 100, rows: 30, env: { PATH: process.env.PATH ?? '', TERM: 'xterm-256color' } });
  let pending: ((text: string) => void) | null = null;
  shell.onData((data) => pending?.(data));
  await new Promise((resolve) => setTimeout(resolve, 300));
  const samples: number[] = [];
  for (let index = 0; index < KEYSTROKES; index += 1) {
    if (index % CLEAR_LINE_EVERY === 0) {
      shell.write('\x15');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const echoed = new Promise<void>((resolve) => (pending = (text) => text.includes('a') && resolve()));
    const started = performance.now();
    shell.write('a');
    await echoed;
    samples.push(performance.now() - started);
  }
  shell.kill();
  return samples;
}

/** The server runs in its own process, as in production, so clients do not share its event loop. */
async function throughTandem(viewers: number): Promise<number[]> {
  const server = await TandemServer.create();
  await server.start();
  const samples: number[] = [];
  try {
    const api = apiClient(server.url);
    const owner = await api.identity('Bench');
    const sessionId = await api.createSession(owner.token, 'echo', EXAMPLE_REPO);
    const clients = [];
    for (let index = 0; index < viewers; index += 1) clients.push(await connectTerminal(server.url, sessionId, owner.token));
    const typist = clients[0]!;
    // Steady state: let the warm pool refill and the file sync list the tree before measuring.
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    for (let index = 0; index < KEYSTROKES; index += 1) {
      if (index % CLEAR_LINE_EVERY === 0) {
        typist.type('\x15');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const everyone = clients.map((client) => client.waitForOutput((output) => output.includes('a')));
      const started = performance.now();
      typist.type('a');
      await Promise.all(everyone);
      samples.push(performance.now() - started);
    }
    for (const client of clients) client.close();
  } finally {
    await server.dispose();
  }
  return samples;
}

export async function benchTerminalEcho(): Promise<void> {
  const bare = summarize(await bareNodePty());
  const one = summarize(await throughTandem(1));
  const five = summarize(await throughTandem(5));
  await report(
    'terminal-echo',
    [
      { metric: 'bare node-pty echo p50', value: bare.p50, unit: 'ms' },
      { metric: 'bare node-pty echo p99', value: bare.p99, unit: 'ms' },
      { metric: 'tandem, 1 viewer p50', value: one.p50, unit: 'ms' },
      { metric: 'tandem, 1 viewer p99', value: one.p99, unit: 'ms', target: `≤ bare p99 + 2 ms (${(bare.p99 + 2).toFixed(2)})` },
      { metric: 'tandem, 5 viewers (all echoed) p50', value: five.p50, unit: 'ms' },
      { metric: 'tandem, 5 viewers (all echoed) p99', value: five.p99, unit: 'ms', target: `≤ bare p99 + 2 ms (${(bare.p99 + 2).toFixed(2)})` },
    ],
    { keystrokes: KEYSTROKES, cpus: os.cpus().length, node: process.version },
  );
}
