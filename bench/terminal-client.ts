import WebSocket from 'ws';
import { terminalPath, type TerminalServerMessage } from '@tandem/shared/protocol/terminal.js';

/** A bound on a terminal becoming ready (its sandbox booting included) on a loaded machine. */
const TERMINAL_READY_TIMEOUT_MS = 120_000;

/** A terminal client as the browser runs it, for benchmarks: output listeners and input. */
export async function connectTerminal(baseUrl: string, sessionId: string, token: string, terminalId = 't1') {
  const socket = new WebSocket(`${baseUrl.replace('http', 'ws')}${terminalPath(sessionId, terminalId)}?token=${token}`);
  const outputListeners = new Set<(text: string) => void>();
  let ready: (() => void) | null = null;
  let closed: ((reason: string) => void) | null = null;
  const readyPromise = new Promise<void>((resolve, reject) => {
    ready = resolve;
    closed = (reason) => reject(new Error(`terminal ${terminalId} of session ${sessionId} closed before it was ready: ${reason}`));
  });
  socket.on('message', (data, isBinary) => {
    if (isBinary) {
      const text = Buffer.from(data as Buffer).toString('utf8');
      for (const listener of outputListeners) listener(text);
    } else if ((JSON.parse(String(data)) as TerminalServerMessage).type === 'ready') ready?.();
  });
  socket.on('close', (code, reason) => closed?.(`${code} ${reason.toString()}`));
  socket.on('error', (error) => closed?.(String(error)));
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`terminal ${terminalId} of session ${sessionId} was not ready within ${TERMINAL_READY_TIMEOUT_MS / 1000} s`)), TERMINAL_READY_TIMEOUT_MS);
  });
  try {
    await Promise.race([readyPromise, timedOut]);
  } catch (error) {
    socket.close();
    throw error;
  } finally {
    clearTimeout(timer);
  }
  return {
    socket,
    type: (data: string) => socket.send(JSON.stringify({ type: 'input', data })),
    /** Resolves when the output so far (from now) satisfies `test`. */
    waitForOutput(test: (output: string) => boolean, timeoutMs = 15_000): Promise<void> {
      return new Promise((resolve, reject) => {
        let seen = '';
        const timer = setTimeout(() => {
          outputListeners.delete(listener);
          reject(new Error(`terminal output did not arrive; saw ${JSON.stringify(seen.slice(-200))}`));
        }, timeoutMs);
        const listener = (text: string) => {
          seen += text;
          if (test(seen)) {
            clearTimeout(timer);
            outputListeners.delete(listener);
            resolve();
          }
        };
        outputListeners.add(listener);
      });
    },
    close: () => socket.close(),
  };
}
