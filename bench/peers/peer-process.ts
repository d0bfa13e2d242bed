import { spawn, type ChildProcess } from 'node:child_process';

/** How long a peer server gets to print its ready line (a loaded 2-core machine is slow to start node). */
const PEER_START_TIMEOUT_MS = 60_000;

export interface PeerProcess {
  /** ws://127.0.0.1:<port> */
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * Runs a comparison server in its own process (as Tandem's runs in the benches), waits until its
 * output matches `ready` and takes the port from the match's first group.
 */
export async function startPeerProcess(name: string, args: string[], env: Record<string, string>, ready: RegExp): Promise<PeerProcess> {
  const child: ChildProcess = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    await exited;
  };
  const deadline = Date.now() + PEER_START_TIMEOUT_MS;
  for (;;) {
    const match = ready.exec(output);
    if (match?.[1]) return { url: `ws://127.0.0.1:${match[1]}`, stop };
    if (child.exitCode !== null) throw new Error(`${name} exited (${child.exitCode}):\n${output}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${name} did not start in ${PEER_START_TIMEOUT_MS / 1000} s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
