import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { terminalPath, type TerminalServerMessage } from '@tandem/shared/protocol/terminal.js';

/**
 * A person's terminal in a session, as the browser opens it (/terminal/:sessionId/:terminalId): what
 * an attacker types into their own sandbox, and what a bystander in another session watches.
 */
export interface SessionShell {
  /** Everything the terminal printed since it opened. */
  output(): string;
  type(text: string): void;
  /**
   * Types `command` and resolves with what the terminal printed from then until `done` matched it.
   * Make `done` match only what the shell computes (e.g. `$((6*7))` → 42), never the echoed command line.
   */
  run(command: string, done: RegExp, timeoutMs?: number): Promise<string>;
  /** Milliseconds from typing a command that prints a fresh marker to seeing the marker (the echo a person feels). */
  echoMs(timeoutMs?: number): Promise<number>;
  close(): void;
}

let markers = 0;

export async function openSessionShell(baseUrl: string, sessionId: string, token: string, terminalId = 't1', readyTimeoutMs = 30_000): Promise<SessionShell> {
  const socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}${terminalPath(sessionId, terminalId)}?token=${token}`);
  let output = '';
  const listeners = new Set<() => void>();
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  socket.on('message', (data, isBinary) => {
    if (isBinary) {
      output += Buffer.from(data as Buffer).toString('utf8');
      for (const listener of listeners) listener();
    } else if ((JSON.parse(String(data)) as TerminalServerMessage).type === 'ready') markReady();
  });
  await withTimeout(ready, readyTimeoutMs, `the terminal of ${sessionId} to be ready`);

  const type = (text: string) => socket.send(JSON.stringify({ type: 'input', data: text }));
  const waitFrom = (start: number, done: RegExp, timeoutMs: number) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const seen = output.slice(start);
        if (!done.test(seen)) return false;
        listeners.delete(listener);
        clearTimeout(timer);
        resolve(seen);
        return true;
      };
      const listener = () => void check();
      const timer = setTimeout(() => {
        listeners.delete(listener);
        reject(new Error(`terminal never printed ${String(done)}; last output: ${JSON.stringify(output.slice(-300))}`));
      }, timeoutMs);
      listeners.add(listener);
      check();
    });

  const run = (command: string, done: RegExp, timeoutMs = 20_000) => {
    const start = output.length;
    type(`${command}\r`);
    return waitFrom(start, done, timeoutMs);
  };
  return {
    output: () => output,
    type,
    run,
    async echoMs(timeoutMs = 20_000) {
      markers += 1;
      const started = performance.now();
      await run(`echo echo-${markers}-$((${markers}*2+1))`, new RegExp(`echo-${markers}-${markers * 2 + 1}`), timeoutMs);
      return performance.now() - started;
    },
    close: () => socket.close(),
  };
}

async function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
