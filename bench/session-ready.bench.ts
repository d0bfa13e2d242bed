import { rm } from 'node:fs/promises';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { startServer } from '../server/src/server.js';
import { EXAMPLE_REPO } from '../server/test-support/local-sandbox.js';
import { apiClient, makeTempDir, quietLogger, testConfig } from '../server/test-support/test-server.js';
import { report, summarize } from './stats.js';
import { connectTerminal } from './terminal-client.js';

/**
 * Session-ready time: from `POST /api/sessions` to a shell prompt in the session's terminal, with a
 * warm pool (2) and with every sandbox booted cold (pool 0). The snapshot is built before timing.
 */
const SESSIONS_PER_MODE = 20;

async function measure(warmPoolSize: number): Promise<number[]> {
  const dataDir = await makeTempDir('bench-ready');
  const base = testConfig(dataDir);
  const server = await startServer({ ...base, sandbox: { ...base.sandbox, warmPoolSize } }, { logger: quietLogger });
  const runtime = server.runtime!;
  const samples: number[] = [];
  try {
    const api = apiClient(server.url);
    const owner = await api.identity('Bench');
    const warmUp = await api.createSession(owner.token, 'warm-up', EXAMPLE_REPO);
    (await connectTerminal(server.url, warmUp, owner.token)).close();
    await runtime.stop(warmUp);
    for (let index = 0; index < SESSIONS_PER_MODE; index += 1) {
      await runtime.warmPoolSettled();
      const started = performance.now();
      const sessionId = await api.createSession(owner.token, `ready ${index}`, EXAMPLE_REPO);
      const terminal = await connectTerminal(server.url, sessionId, owner.token);
      // The prompt may already sit in the scrollback sent on connect; Enter prints a fresh one either way.
      const prompt = terminal.waitForOutput((output) => output.includes('$ '));
      terminal.type('\r');
      await prompt;
      samples.push(performance.now() - started);
      terminal.close();
      await runtime.stop(sessionId);
    }
  } finally {
    await server.close();
    await rm(dataDir, { recursive: true, force: true });
  }
  return samples;
}

export async function benchSessionReady(): Promise<void> {
  const warm = summarize(await measure(2));
  const cold = summarize(await measure(0));
  await report(
    'session-ready',
    [
      { metric: 'warm pool: request → prompt p50', value: warm.p50, unit: 'ms', target: '< 300 ms' },
      { metric: 'warm pool: request → prompt p95', value: warm.p95, unit: 'ms' },
      { metric: 'cold boot: request → prompt p50', value: cold.p50, unit: 'ms', target: '< 2000 ms' },
      { metric: 'cold boot: request → prompt p95', value: cold.p95, unit: 'ms' },
    ],
    { sessionsPerMode: SESSIONS_PER_MODE, cpus: os.cpus().length, node: process.version },
  );
}
