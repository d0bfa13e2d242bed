import { spawn, type ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { StringDecoder } from 'node:string_decoder';
import { DEFAULT_EXEC_MAX_OUTPUT_BYTES, DEFAULT_EXEC_TIMEOUT_MS, SandboxError, type ExecResult } from '../provider.js';

export interface RunOptions {
  timeoutMs?: number;
  maxOutputBytes?: number;
  stdin?: string;
  signal?: AbortSignal;
  onOutput?: (text: string, stream: 'stdout' | 'stderr') => void;
  /** The child's whole environment (nothing of the server's is inherited); empty when absent. */
  env?: Record<string, string>;
  /** Told the child process as soon as it is spawned (a sandbox keeps it, to stop it with the rest). */
  onSpawn?: (child: ChildProcess) => void;
}

/**
 * Kills a process and everything still in its process group. A sandbox's bubblewrap can be killed
 * in the moment after it forked its inner process and before that process asked to die with it; that
 * process is still in the group, so killing the group leaves nothing behind holding the output pipes.
 */
export function killProcessGroup(child: ChildProcess): void {
  try {
    if (child.pid === undefined) throw new Error('not started');
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}

/**
 * Runs a host command to completion with a timeout, an output cap (the rest is read and dropped so
 * the process never blocks on a full pipe) and abort; resolves with its exit code and output.
 */
export function runProcess(file: string, args: string[], options: RunOptions = {}): Promise<ExecResult> {
  if (options.signal?.aborted) return Promise.reject(new SandboxError('the call was aborted', 'aborted'));
  const maxBytes = options.maxOutputBytes ?? DEFAULT_EXEC_MAX_OUTPUT_BYTES;
  const started = performance.now();
  return new Promise((resolve, reject) => {
    // A process group of its own (detached), so that killing it leaves nothing running.
    const child = spawn(file, args, { env: options.env ?? {}, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    options.onSpawn?.(child);
    const buffers = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
    let kept = 0;
    let truncated = false;
    let timedOut = false;
    // Per stream, so a character split across two chunks reaches onOutput whole.
    const decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };
    const collect = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
      const room = maxBytes - kept;
      if (room <= 0) {
        truncated = true;
        return;
      }
      const part = chunk.byteLength > room ? chunk.subarray(0, room) : chunk;
      if (part !== chunk) truncated = true;
      buffers[stream].push(part);
      kept += part.byteLength;
      if (options.onOutput) {
        const text = decoders[stream].write(part);
        if (text) options.onOutput(text, stream);
      }
    };
    child.stdout.on('data', collect('stdout'));
    child.stderr.on('data', collect('stderr'));
    const timer = setTimeout(() => {
      timedOut = true;
      killProcessGroup(child);
    }, options.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS);
    const onAbort = () => killProcessGroup(child);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (exitCode) => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      if (options.signal?.aborted) {
        reject(new SandboxError('the call was aborted', 'aborted'));
        return;
      }
      resolve({
        exitCode: timedOut ? null : exitCode,
        stdout: Buffer.concat(buffers.stdout).toString('utf8'),
        stderr: Buffer.concat(buffers.stderr).toString('utf8'),
        truncated,
        timedOut,
        durationMs: performance.now() - started,
      });
    });
    child.stdin.on('error', () => {});
    child.stdin.end(options.stdin ?? '');
  });
}
