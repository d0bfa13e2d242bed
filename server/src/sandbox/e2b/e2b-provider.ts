import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import {
  DEFAULT_EXEC_MAX_OUTPUT_BYTES,
  DEFAULT_EXEC_TIMEOUT_MS,
  DEFAULT_READ_FILE_MAX_BYTES,
  SandboxError,
  throwIfAborted,
  type ExecResult,
  type ReadFileOptions,
  type Sandbox,
  type SandboxProvider,
  type SnapshotRef,
  type WatchOptions,
  type WorkspaceEntry,
} from '../provider.js';
import { shellQuote } from '../shell-quote.js';
import type { E2bClient, E2bCommandHandle, E2bCommandResult, E2bSandboxLike } from './e2b-client.js';

/** Where the repo lives inside an e2b sandbox. */
export const E2B_WORKSPACE_DIR = '/home/user/workspace';
/** e2b kills a sandbox after this long without a keep-alive; sessions outlive it via pause/resume. */
export const E2B_SANDBOX_TIMEOUT_MS = 60 * 60_000;
export const E2B_DEFAULT_TEMPLATE = 'base';

function isResult(value: E2bCommandResult | E2bCommandHandle): value is E2bCommandResult {
  return 'exitCode' in value;
}

/** The SDK throws for a non-zero exit; the error carries the result. */
function asResult(error: unknown): E2bCommandResult | undefined {
  if (typeof error === 'object' && error !== null && 'exitCode' in error && typeof error.exitCode === 'number') {
    const withOutput = error as { exitCode: number; stdout?: string; stderr?: string };
    return { exitCode: withOutput.exitCode, stdout: withOutput.stdout ?? '', stderr: withOutput.stderr ?? '' };
  }
  return undefined;
}

function cap(text: string, budget: { left: number; truncated: boolean }): string {
  const bytes = Buffer.from(text);
  if (bytes.byteLength <= budget.left) {
    budget.left -= bytes.byteLength;
    return text;
  }
  budget.truncated = true;
  const kept = bytes.subarray(0, Math.max(0, budget.left)).toString('utf8');
  budget.left = 0;
  return kept;
}

function workspacePath(relativePath: string): string {
  const resolved = path.posix.resolve(E2B_WORKSPACE_DIR, relativePath.replace(/^\/+/, ''));
  if (resolved !== E2B_WORKSPACE_DIR && !resolved.startsWith(`${E2B_WORKSPACE_DIR}/`)) {
    throw new SandboxError(`${relativePath} is outside the workspace`, 'outside-workspace');
  }
  return resolved;
}

export class E2bSandbox implements Sandbox {
  readonly providerName = 'e2b';
  constructor(
    private readonly remote: E2bSandboxLike,
    private readonly repo: string,
  ) {}

  get id(): string {
    return this.remote.sandboxId;
  }

  async exec(command: string, options: Parameters<Sandbox['exec']>[1] = {}): Promise<ExecResult> {
    throwIfAborted(options.signal);
    const started = performance.now();
    const timeoutMs = options.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS;
    const budget = { left: options.maxOutputBytes ?? DEFAULT_EXEC_MAX_OUTPUT_BYTES, truncated: false };
    const input = options.stdin === undefined ? command : `${command} <<'TANDEM_STDIN'\n${options.stdin}\nTANDEM_STDIN`;
    let result: E2bCommandResult;
    let timedOut = false;
    try {
      const onOutput = options.onOutput;
      const run = await this.remote.commands.run(input, {
        cwd: options.cwd ? workspacePath(options.cwd) : E2B_WORKSPACE_DIR,
        envs: options.env,
        timeoutMs,
        ...(onOutput ? { onStdout: (data: string) => onOutput(data, 'stdout'), onStderr: (data: string) => onOutput(data, 'stderr') } : {}),
      });
      result = isResult(run) ? run : await run.wait();
    } catch (error) {
      const partial = asResult(error);
      if (!partial) {
        if (/timeout|deadline/i.test(String(error))) {
          timedOut = true;
          result = { exitCode: -1, stdout: '', stderr: '' };
        } else throw error;
      } else result = partial;
    }
    throwIfAborted(options.signal);
    return {
      exitCode: timedOut ? null : result.exitCode,
      stdout: cap(result.stdout, budget),
      stderr: cap(result.stderr, budget),
      truncated: budget.truncated,
      timedOut,
      durationMs: performance.now() - started,
    };
  }

  spawn(command: string, options: Parameters<Sandbox['spawn']>[1] = {}): ReturnType<Sandbox['spawn']> {
    throwIfAborted(options.signal);
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const handle = this.remote.commands.run(command, {
      cwd: options.cwd ? workspacePath(options.cwd) : E2B_WORKSPACE_DIR,
      envs: options.env,
      background: true,
      stdin: true,
      onStdout: (data) => stdout.write(data),
      onStderr: (data) => stderr.write(data),
    }) as Promise<E2bCommandHandle>;
    const exited = handle
      .then((running) => running.wait())
      .then((result) => result.exitCode)
      .catch((error: unknown) => asResult(error)?.exitCode ?? null)
      .finally(() => {
        stdout.end();
        stderr.end();
      });
    options.signal?.addEventListener('abort', () => void handle.then((running) => running.kill()), { once: true });
    return {
      stdout,
      stderr,
      write: (data) => void handle.then((running) => this.remote.commands.sendStdin(running.pid, data)),
      kill: () => void handle.then((running) => running.kill()),
      exited,
    };
  }

  async openPty(options: Parameters<Sandbox['openPty']>[0]): ReturnType<Sandbox['openPty']> {
    throwIfAborted(options.signal);
    const dataListeners = new Set<(data: string) => void>();
    const exitListeners = new Set<(exitCode: number) => void>();
    const decoder = new TextDecoder();
    const handle = await this.remote.pty.create({
      cols: options.cols,
      rows: options.rows,
      cwd: E2B_WORKSPACE_DIR,
      envs: { TERM: 'xterm-256color', ...options.env },
      timeoutMs: 0,
      onData: (data) => {
        const text = decoder.decode(data, { stream: true });
        for (const listener of dataListeners) listener(text);
      },
    });
    void handle
      .wait()
      .then((result) => result.exitCode)
      .catch((error: unknown) => asResult(error)?.exitCode ?? -1)
      .then((exitCode) => {
        for (const listener of exitListeners) listener(exitCode);
      });
    const encoder = new TextEncoder();
    return {
      onData: (listener) => (dataListeners.add(listener), () => dataListeners.delete(listener)),
      onExit: (listener) => (exitListeners.add(listener), () => exitListeners.delete(listener)),
      write: (data) => void this.remote.pty.sendInput(handle.pid, encoder.encode(data)),
      resize: (cols, rows) => void this.remote.pty.resize(handle.pid, { cols, rows }),
      kill: () => void this.remote.pty.kill(handle.pid),
    };
  }

  async readFile(relativePath: string, options: ReadFileOptions = {}): Promise<Uint8Array> {
    throwIfAborted(options.signal);
    let bytes: Uint8Array;
    try {
      bytes = await this.remote.files.read(workspacePath(relativePath), { format: 'bytes' });
    } catch (error) {
      if (/not ?found|no such file/i.test(String(error))) throw new SandboxError(`${relativePath} does not exist`, 'not-found');
      throw error;
    }
    const maxBytes = options.maxBytes ?? DEFAULT_READ_FILE_MAX_BYTES;
    if (bytes.byteLength > maxBytes) throw new SandboxError(`${relativePath} is larger than ${maxBytes} bytes; read it in parts in the terminal`, 'too-large', bytes.byteLength);
    return bytes;
  }

  /**
   * An entry for a commit. e2b has no host side: what the entry is comes from the sandbox's own `stat`
   * and `readlink` (e2b's isolation is what is relied on there), its bytes from the SDK's read.
   */
  async readEntry(relativePath: string, options: ReadFileOptions = {}): Promise<WorkspaceEntry> {
    throwIfAborted(options.signal);
    const at = shellQuote(workspacePath(relativePath));
    const looked = await this.exec(`if [ -L ${at} ]; then printf 'link '; readlink -n -- ${at} | base64 -w0; elif [ -d ${at} ]; then printf dir; elif [ -f ${at} ]; then if [ -x ${at} ]; then printf exec; else printf file; fi; elif [ -e ${at} ]; then printf other; else printf none; fi`, { signal: options.signal });
    const [kind, target] = looked.stdout.trim().split(' ');
    switch (kind) {
      case 'link':
        return { kind: 'symlink', target: new Uint8Array(Buffer.from(target ?? '', 'base64')) };
      case 'exec':
      case 'file':
        return { kind: 'file', bytes: await this.readFile(relativePath, options), executable: kind === 'exec' };
      case 'dir':
        throw new SandboxError(`${relativePath} is a folder`, 'is-directory');
      case 'other':
        throw new SandboxError(`${relativePath} is not a regular file (a pipe, socket or device); it can't be read here`, 'not-a-file');
      default:
        throw new SandboxError(`${relativePath} does not exist`, 'not-found');
    }
  }

  async writeFile(relativePath: string, data: Uint8Array | string, options: { signal?: AbortSignal } = {}): Promise<void> {
    throwIfAborted(options.signal);
    const body = typeof data === 'string' ? data : data.slice().buffer;
    await this.remote.files.write(workspacePath(relativePath), body);
  }

  async listFiles(relativePath: string, options: { signal?: AbortSignal; recursive?: boolean } = {}) {
    throwIfAborted(options.signal);
    const entries = await this.remote.files.list(workspacePath(relativePath), { depth: options.recursive ? 64 : 1 });
    return entries
      .map((entry) => ({
        path: path.posix.relative(E2B_WORKSPACE_DIR, entry.path),
        size: entry.size,
        kind: entry.type === 'dir' ? ('directory' as const) : ('file' as const),
      }))
      .filter((entry) => entry.path.split('/')[0] !== '.git');
  }

  watch(onChange: (event: { path: string }) => void, options: WatchOptions = {}): () => void {
    throwIfAborted(options.signal);
    const watching = this.remote.files.watchDir(E2B_WORKSPACE_DIR, (event) => onChange({ path: event.name }), { recursive: true });
    void watching.then(
      () => options.onReady?.(),
      () => options.onReady?.(),
    );
    const stop = () => void watching.then((handle) => handle.stop());
    options.signal?.addEventListener('abort', stop, { once: true });
    return stop;
  }

  /** An e2b snapshot of this sandbox's whole state; later sandboxes start from it. */
  async snapshot(): Promise<SnapshotRef> {
    if (!this.remote.createSnapshot) throw new SandboxError('this e2b SDK cannot snapshot', 'unavailable');
    const { snapshotId } = await this.remote.createSnapshot();
    return { id: snapshotId, repo: this.repo, commit: 'none', builtAtMs: Date.now(), formatVersion: E2B_SNAPSHOT_FORMAT_VERSION };
  }

  async pause(): Promise<void> {
    await this.remote.pause();
  }

  async close(): Promise<void> {
    await this.remote.kill();
  }
}

export const E2B_SNAPSHOT_FORMAT_VERSION = 1;

/**
 * The e2b provider: a snapshot is an e2b template (or a snapshot of a sandbox); a new sandbox starts
 * from it and, when the template does not hold the repo yet, clones it into the workspace.
 */
export function createE2bSandboxProvider(options: { client: E2bClient; network?: boolean }): SandboxProvider {
  return {
    name: 'e2b',
    capabilities: { snapshots: true, pause: true, network: true },
    async create(spec) {
      throwIfAborted(spec.signal);
      const remote = await options.client.create(spec.snapshot.id, {
        timeoutMs: E2B_SANDBOX_TIMEOUT_MS,
        metadata: { tandemSession: spec.sessionId, tandemSandbox: randomBytes(4).toString('hex') },
        allowInternetAccess: spec.network ?? options.network ?? false,
      });
      const sandbox = new E2bSandbox(remote, spec.snapshot.repo);
      const prepare = `test -n "$(ls -A ${E2B_WORKSPACE_DIR} 2>/dev/null)" || git clone --quiet --depth 1 -- ${shellQuote(spec.snapshot.repo)} ${E2B_WORKSPACE_DIR}`;
      try {
        const run = await remote.commands.run(prepare, { cwd: '/home/user', timeoutMs: 5 * 60_000 });
        if (!isResult(run)) await run.wait();
      } catch (error) {
        await remote.kill();
        const detail = asResult(error)?.stderr ?? String(error);
        throw new SandboxError(`could not prepare the e2b workspace from ${spec.snapshot.repo}: ${detail}`, 'unavailable');
      }
      return sandbox;
    },
    async resume(sandboxId) {
      const remote = await options.client.connect(sandboxId);
      return new E2bSandbox(remote, '');
    },
  };
}
