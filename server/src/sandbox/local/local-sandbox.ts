import { spawn as spawnChild, type ChildProcess } from 'node:child_process';
import { watch as watchFs } from 'node:fs';
import { chown, lstat, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as pty from '@lydell/node-pty';
import {
  SandboxError,
  throwIfAborted,
  type CallOptions,
  type ExecOptions,
  type FileEntry,
  type PtyOptions,
  type Sandbox,
  type SandboxPty,
  type SpawnedProcess,
  type WatchEvent,
  type SnapshotRef,
} from '../provider.js';
import { buildSandboxCommand, type SandboxCommandOptions } from './bwrap-command.js';
import { resolveInside } from './host-paths.js';
import { runProcess } from './run-process.js';
import type { MountedWorkspace } from './workspace-mount.js';

/** Paths the file calls and the watcher skip: version control internals. */
const IGNORED_TOP_LEVEL = new Set(['.git']);

export interface LocalSandboxInit {
  id: string;
  uid: number;
  workspace: MountedWorkspace;
  command: Omit<SandboxCommandOptions, 'env' | 'cwd' | 'newSession' | 'workspaceHostDir'>;
  /** Keeps a copy of a workspace tree as a snapshot (the session's own, to resume from). */
  saveSnapshot(treeDir: string): Promise<SnapshotRef>;
  /** Called once, after every process is gone and the workspace is unmounted. */
  release(): Promise<void>;
}

/** A bubblewrap sandbox over a copy-on-write workspace (see bwrap-command.ts for the isolation). */
export class LocalSandbox implements Sandbox {
  readonly providerName = 'local';
  readonly id: string;
  private readonly processes = new Set<ChildProcess>();
  private readonly ptys = new Set<pty.IPty>();
  private closed = false;

  constructor(private readonly init: LocalSandboxInit) {
    this.id = init.id;
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
    const { file, args } = this.command(['bash', '-c', command], { env: options.env, cwd: options.cwd, newSession: true });
    return runProcess(file, args, options);
  }

  spawn(command: string, options: Omit<ExecOptions, 'timeoutMs' | 'maxOutputBytes' | 'stdin'> = {}): SpawnedProcess {
    throwIfAborted(options.signal);
    const { file, args } = this.command(['bash', '-c', command], { env: options.env, cwd: options.cwd, newSession: true });
    const child = spawnChild(file, args, { env: {}, stdio: ['pipe', 'pipe', 'pipe'] });
    this.processes.add(child);
    const exited = new Promise<number | null>((resolve) =>
      child.on('close', (code) => {
        this.processes.delete(child);
        resolve(code);
      }),
    );
    options.signal?.addEventListener('abort', () => child.kill('SIGKILL'), { once: true });
    return {
      stdout: child.stdout,
      stderr: child.stderr,
      write: (data) => child.stdin.write(data),
      kill: () => child.kill('SIGKILL'),
      exited,
    };
  }

  async openPty(options: PtyOptions): Promise<SandboxPty> {
    throwIfAborted(options.signal);
    const { file, args } = this.command(['bash', '-i'], {
      env: { TERM: 'xterm-256color', COLORTERM: 'truecolor', ...options.env },
      newSession: false,
    });
    const terminal = pty.spawn(file, args, { name: 'xterm-256color', cols: options.cols, rows: options.rows, env: {} });
    this.ptys.add(terminal);
    terminal.onExit(() => this.ptys.delete(terminal));
    options.signal?.addEventListener('abort', () => terminal.kill('SIGKILL'), { once: true });
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
      kill: () => terminal.kill('SIGKILL'),
    };
  }

  async readFile(relativePath: string, options: CallOptions = {}): Promise<Uint8Array> {
    throwIfAborted(options.signal);
    const target = await resolveInside(this.workspaceDir, relativePath);
    try {
      return await readFile(target, { signal: options.signal });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new SandboxError(`${relativePath} does not exist`, 'not-found');
      throw error;
    }
  }

  /** The workspace as it is now, kept as a snapshot a later session can start from. */
  async snapshot(options: CallOptions = {}): Promise<SnapshotRef> {
    throwIfAborted(options.signal);
    this.assertOpen();
    return this.init.saveSnapshot(this.workspaceDir);
  }

  /** A file as it was in the snapshot the session started from; null when the snapshot has none. */
  async readBaseFile(relativePath: string, options: CallOptions = {}): Promise<Uint8Array | null> {
    throwIfAborted(options.signal);
    const target = await resolveInside(this.init.workspace.baseDir, relativePath);
    try {
      return await readFile(target, { signal: options.signal });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'EISDIR') return null;
      throw error;
    }
  }

  async writeFile(relativePath: string, data: Uint8Array | string, options: CallOptions = {}): Promise<void> {
    throwIfAborted(options.signal);
    const target = await resolveInside(this.workspaceDir, relativePath);
    const created = await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, data, { signal: options.signal });
    // The server writes as root; hand the file (and any new folders) to the sandbox's user.
    await chown(target, this.init.uid, this.init.uid);
    if (created) {
      for (let dir = path.dirname(target); dir.startsWith(created); dir = path.dirname(dir)) await chown(dir, this.init.uid, this.init.uid);
    }
  }

  async listFiles(relativePath: string, options: CallOptions & { recursive?: boolean } = {}): Promise<FileEntry[]> {
    throwIfAborted(options.signal);
    const root = await resolveInside(this.workspaceDir, relativePath);
    const entries: FileEntry[] = [];
    // Entries of a folder are stat-ed in parallel: a 20,000-file tree lists in a fraction of the time.
    const walk = async (dir: string): Promise<void> => {
      throwIfAborted(options.signal);
      const dirents = await readdir(dir, { withFileTypes: true });
      await Promise.all(
        dirents.map(async (dirent) => {
          const full = path.join(dir, dirent.name);
          const relative = path.relative(this.workspaceDir, full);
          if (IGNORED_TOP_LEVEL.has(relative.split(path.sep)[0] ?? '')) return;
          const stats = await lstat(full);
          const kind = stats.isSymbolicLink() ? 'symlink' : stats.isDirectory() ? 'directory' : 'file';
          entries.push({ path: relative, size: stats.size, kind });
          if (kind === 'directory' && options.recursive) await walk(full);
        }),
      );
    };
    await walk(root);
    return entries;
  }

  watch(onChange: (event: WatchEvent) => void, options: CallOptions = {}): () => void {
    throwIfAborted(options.signal);
    const watcher = watchFs(this.workspaceDir, { recursive: true }, (_event, filename) => {
      if (filename && !IGNORED_TOP_LEVEL.has(filename.split(path.sep)[0] ?? '')) onChange({ path: filename });
    });
    watcher.on('error', () => watcher.close());
    const stop = () => watcher.close();
    options.signal?.addEventListener('abort', stop, { once: true });
    return stop;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const child of this.processes) child.kill('SIGKILL');
    for (const terminal of this.ptys) terminal.kill('SIGKILL');
    await Promise.all([...this.processes].map((child) => new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('close', resolve)))));
    await this.init.workspace.unmount();
    await this.init.release();
  }

  private assertOpen(): void {
    if (this.closed) throw new SandboxError(`sandbox ${this.id} is closed`, 'closed');
  }
}
