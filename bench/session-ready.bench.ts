import { rm } from 'node:fs/promises';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { DEFAULT_WARM_POOL_SIZE } from '../server/src/sandbox/warm-pool.js';
import { startServer } from '../server/src/server.js';
import { EXAMPLE_REPO } from '../server/test-support/local-sandbox.js';
import { apiClient, makeTempDir, testConfig } from '../server/test-support/test-server.js';
import { report, summarize } from './stats.js';
import { connectTerminal } from './terminal-client.js';

/**
 * Session-ready time: from `POST /api/sessions` to a shell prompt in the session's terminal. Three
 * ways: the best case (a full warm pool of the default size before every session), a burst (the
 * same pool, sessions created back-to-back, each as soon as the previous one has its prompt, so the
 * pool refills only in the background, as when a team starts sessions together), and every sandbox
 * booted cold (pool 0). The snapshot is built before timing.
 */
const SESSIONS_PER_MODE = 60;
/** The server's errors are printed: a bench must not hide a failed boot behind a slow sample. */
const benchLogger = { error: (message: string, error?: unknown) => console.error(`[tandem] ${message}`, error ?? '') };

type Mode = 'best-case' | 'burst' | 'cold';

/** One person (a new identity each time, as the server limits sessions per person) starts a session. */
async function requestToPrompt(url: string, title: string): Promise<{ sessionId: string; ms: number }> {
  const api = apiClient(url);
  const { token } = await api.identity(`Bench ${title}`);
  const started = performance.now();
  const sessionId = await api.createSession(token, title, EXAMPLE_REPO);
  const terminal = await connectTerminal(url, sessionId, token);
  // The prompt may already sit in the scrollback sent on connect; Enter prints a fresh one either way.
  const prompt = terminal.waitForOutput((output) => output.includes('$ '));
  terminal.type('\r');
  await prompt;
  const ms = performance.now() - started;
  terminal.close();
  return { sessionId, ms };
}

async function measure(mode: Mode): Promise<number[]> {
  const dataDir = await makeTempDir('bench-ready');
  const base = testConfig(dataDir);
  const warmPoolSize = mode === 'cold' ? 0 : DEFAULT_WARM_POOL_SIZE;
  const server = await startServer({ ...base, sandbox: { ...base.sandbox, warmPoolSize } }, { logger: benchLogger });
  const runtime = server.runtime!;
  const samples: number[] = [];
  const stopping: Promise<void>[] = [];
  try {
    const warmUp = await requestToPrompt(server.url, 'warm-up');
    await runtime.stop(warmUp.sessionId);
    await runtime.warmPoolSettled();
    for (let index = 0; index < SESSIONS_PER_MODE; index += 1) {
      if (mode !== 'burst') await runtime.warmPoolSettled();
      const { sessionId, ms } = await requestToPrompt(server.url, `ready ${index}`);
      samples.push(ms);
      // In a burst the next person does not wait for anyone's session to stop.
      if (mode === 'burst') stopping.push(runtime.stop(sessionId));
      else await runtime.stop(sessionId);
    }
  } finally {
    await Promise.allSettled(stopping);
    await server.close();
    await rm(dataDir, { recursive: true, force: true });
  }
  return samples;
}

export async function benchSessionReady(): Promise<void> {
  const best = summarize(await measure('best-case'));
  const burst = summarize(await measure('burst'));
  const cold = summarize(await measure('cold'));
  const pool = `pool ${DEFAULT_WARM_POOL_SIZE}`;
  await report(
    'session-ready',
    [
      { metric: `warm, best case (${pool}, full before each session): request → prompt, p50`, value: best.p50, unit: 'ms', target: '< 300 ms' },
      { metric: `warm, best case (${pool}, full before each session): request → prompt, p95`, value: best.p95, unit: 'ms' },
      { metric: `warm, burst (${pool}, sessions back-to-back, never waits for a refill): request → prompt, p50`, value: burst.p50, unit: 'ms' },
      { metric: `warm, burst (${pool}, sessions back-to-back, never waits for a refill): request → prompt, p95`, value: burst.p95, unit: 'ms' },
      { metric: 'cold boot (pool 0): request → prompt, p50', value: cold.p50, unit: 'ms', target: '< 2000 ms' },
      { metric: 'cold boot (pool 0): request → prompt, p95', value: cold.p95, unit: 'ms' },
    ],
    { sessionsPerMode: SESSIONS_PER_MODE, warmPoolSize: DEFAULT_WARM_POOL_SIZE, cpus: os.cpus().length, node: process.version },
  );
}
