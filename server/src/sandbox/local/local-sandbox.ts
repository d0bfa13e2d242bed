import { spawn as spawnChild, type ChildProcess } from 'node:child_process';
import * as pty from '@lydell/node-pty';
import {
  DEFAULT_READ_FILE_MAX_BYTES,
  SandboxError,
  throwIfAborted,
  type CallOptions,
  type ExecOptions,
  type FileEntry,
  type ListFilesOptions,
  type PtyOptions,
  type ReadFileOptions,
  type Sandbox,
  type SandboxNetworkControl,
  type SandboxPty,
  type SpawnedProcess,
  type WatchEvent,
  type WatchOptions,
  type SnapshotRef,
  type WorkspaceEntry,
} from '../provider.js';
import { buildSandboxCommand, type SandboxCommandOptions } from './bwrap-command.js';
import { readTreeEntry } from './host-entry.js';
import { listTree, readTreeFile, writeTreeFile } from './host-files.js';
import { killProcessGroup, runProcess } from './run-process.js';
import { watchTree } from './workspace-watcher.js';
import type { MountedWorkspace } from './workspace-mount.js';

function killTerminal(terminal: pty.IPty): void {
  try {
    process.kill(-terminal.pid, 'SIGKILL');
  } catch {
    terminal.kill('SIGKILL');
  }
}

/** How long stopping waits for a killed shell to report its exit. */
const STOP_TIMEOUT_MS = 5_000;
/** Paths the file calls and the watcher skip: version control internals. */
const IGNORED_TOP_LEVEL = new Set(['.git']);

export interface LocalSandboxInit {
  id: string;
  uid: number;
  workspace: MountedWorkspace;
  command: Omit<SandboxCommandOptions, 'env' | 'cwd' | 'newSession' | 'workspaceHostDir'>;
  /** The sandbox's egress (its own namespace and proxy); closed by `release`. */
  network: SandboxNetworkControl;
  /** Keeps a copy of a workspace tree as a snapshot (the session's own, to resume from). */
  saveSnapshot(treeDir: string): Promise<SnapshotRef>;
  /** Called once, after every process is gone and the workspace is unmounted. */
  release(): Promise<void>;
}

/** A bubblewrap sandbox over a copy-on-write workspace (see bwrap-command.ts for the isolation). */
export class LocalSandbox implements Sandbox {
  readonly providerName = 'local';
  readonly id: string;
  readonly network: SandboxNetworkControl;
  private readonly processes = new Set<ChildProcess>();
  private readonly ptys = new Set<pty.IPty>();
  private closed = false;

  constructor(private readonly init: LocalSandboxInit) {
    this.id = init.id;
    this.network = init.network;
  }

  /** Host path of the workspace (for the server's own file sync; the sandbox sees /workspace). */
  get workspaceDir(): string {
    return this.init.workspace.dir;
  }

  private command(command: string[], options: { env?: Record<string, string>; cwd?: string; newSession: boolean }) {
    this.assertOpen();
    return buildSandboxCommand({ ...this.init.command, workspaceHostDir: this.workspaceDir, env: options.env ?? {}, cwd: options.cwd, newSession: options.newSession }, command);
  }

  async exec(command: string, options: ExecOptions = {}) {
    throwIfAborted(options.signal);
    const { file, args, env } = this.command(['bash', '-c', command], { env: options.env, cwd: options.cwd, newSession: true });
    return runProcess(file, args, { ...options, env, onSpawn: (child) => this.track(child) });
  }

  spawn(command: string, options: Omit<ExecOptions, 'timeoutMs' | 'maxOutputBytes' | 'stdin'> = {}): SpawnedProcess {
    throwIfAborted(options.signal);
    const { file, args, env } = this.command(['bash', '-c', command], { env: options.env, cwd: options.cwd, newSession: true });
    const child = spawnChild(file, args, { env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    this.track(child);
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    options.signal?.addEventListener('abort', () => killProcessGroup(child), { once: true });
    return {
      stdout: child.stdout,
      stderr: child.stderr,
      write: (data) => child.stdin.write(data),
      kill: () => killProcessGroup(child),
      exited,
    };
  }

  async openPty(options: PtyOptions): Promise<SandboxPty> {
    throwIfAborted(options.signal);
    const { file, args, env } = this.command(['bash', '-i'], {
      env: { TERM: 'xterm-256color', COLORTERM: 'truecolor', ...options.env },
      newSession: false,
    });
    const terminal = pty.spawn(file, args, { name: 'xterm-256color', cols: options.cols, rows: options.rows, env });
    this.ptys.add(terminal);
    terminal.onExit(() => this.ptys.delete(terminal));
    options.signal?.addEventListener('abort', () => killTerminal(terminal), { once: true });
    return {
      onData: (listener) => {
        const subscription = terminal.onData(listener);
        return () => subscription.dispose();
      },
      onExit: (listener) => {
        const subscription = terminal.onExit(({ exitCode }) => listener(exitCode));
        return () => subscription.dispose();
      },
      write: (data) => terminal.write(data),
      resize: (cols, rows) => terminal.resize(cols, rows),
      kill: () => killTerminal(terminal),
    };
  }

  /** Host-side reads and writes never follow a link the sandbox planted (see host-files.ts). */
  async readFile(relativePath: string, options: ReadFileOptions = {}): Promise<Uint8Array> {
    throwIfAborted(options.signal);
    return readTreeFile(this.workspaceDir, relativePath, { maxBytes: options.maxBytes ?? DEFAULT_READ_FILE_MAX_BYTES, signal: options.signal });
  }

  /** An entry for a commit, read on the host: links are read as links, never followed (see host-entry.ts). */
  async readEntry(relativePath: string, options: ReadFileOptions = {}): Promise<WorkspaceEntry> {
    throwIfAborted(options.signal);
    return readTreeEntry(this.workspaceDir, relativePath, { maxBytes: options.maxBytes ?? DEFAULT_READ_FILE_MAX_BYTES, signal: options.signal });
  }

  /**
   * The workspace as it is now, kept as a snapshot a later session can start from. Everything running
   * in the sandbox is stopped first: the copy must not race a process swapping folders for links.
   */
  async snapshot(options: CallOptions = {}): Promise<SnapshotRef> {
    throwIfAborted(options.signal);
    this.assertOpen();
    await this.stopProcesses();
    return this.init.saveSnapshot(this.workspaceDir);
  }

  /** A file as it was in the snapshot the session started from; null when the snapshot has none. */
  async readBaseFile(relativePath: string, options: ReadFileOptions = {}): Promise<Uint8Array | null> {
    throwIfAborted(options.signal);
    try {
      // The snapshot ran the repo's setup script: its links are as untrusted as the workspace's.
      return await readTreeFile(this.init.workspace.baseDir, relativePath, { maxBytes: options.maxBytes ?? DEFAULT_READ_FILE_MAX_BYTES, signal: options.signal });
    } catch (error) {
      if (error instanceof SandboxError && (error.code === 'not-found' || error.code === 'is-directory')) return null;
      throw error;
    }
  }

  async writeFile(relativePath: string, data: Uint8Array | string, options: CallOptions = {}): Promise<void> {
    throwIfAborted(options.signal);
    this.assertOpen();
    await writeTreeFile(this.workspaceDir, relativePath, data, this.init.uid);
  }

  async listFiles(relativePath: string, options: ListFilesOptions = {}): Promise<FileEntry[]> {
    throwIfAborted(options.signal);
    return listTree(this.workspaceDir, relativePath, { ...options, skipTopLevel: IGNORED_TOP_LEVEL });
  }

  watch(onChange: (event: WatchEvent) => void, options: WatchOptions = {}): () => void {
    throwIfAborted(options.signal);
    const stop = watchTree({ rootDir: this.workspaceDir, onChange: (changed) => onChange({ path: changed }), skipTopLevel: IGNORED_TOP_LEVEL, onReady: options.onReady });
    options.signal?.addEventListener('abort', stop, { once: true });
    return stop;
  }

  /** Every exec'd command, spawned process and shell is kept until it exits, so that close and snapshot can stop it. */
  private track(child: ChildProcess): void {
    this.processes.add(child);
    child.once('close', () => this.processes.delete(child));
  }

  /**
   * Kills every process and shell of the sandbox and waits until they are gone. Each runs in a pid
   * namespace of its own whose bubblewrap dies with its parent, so killing what the server started
   * takes down everything they started in turn.
   */
  private async stopProcesses(): Promise<void> {
    const exits = [...this.ptys].map(
      (terminal) =>
        new Promise<void>((resolve) => {
          terminal.onExit(() => resolve());
          // A shell that already went without telling: do not wait for it forever.
          setTimeout(resolve, STOP_TIMEOUT_MS).unref();
        }),
    );
    for (const child of this.processes) killProcessGroup(child);
    // A PTY's shell leads its own session and process group (forkpty), so the group goes with it.
    for (const terminal of this.ptys) killTerminal(terminal);
    await Promise.all([
      ...exits,
      ...[...this.processes].map((child) => new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(null) : child.once('close', resolve)))),
    ]);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.stopProcesses();
    await this.init.workspace.unmount();
    await this.init.release();
  }

  private assertOpen(): void {
    if (this.closed) throw new SandboxError(`sandbox ${this.id} is closed`, 'closed');
  }
}
