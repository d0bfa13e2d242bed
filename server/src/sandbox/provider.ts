import type { Readable } from 'node:stream';
import type { NetworkPolicy, ProxyAttempt } from '../network/policy-types.js';

/**
 * The sandbox seam. Every run gets its own isolated workspace; `local` (bubblewrap) and `e2b`
 * implement it, and one contract suite (sandbox.contract.ts) runs against both.
 * Paths given to file calls are relative to the workspace root; every call takes an AbortSignal.
 */

export interface SnapshotRef {
  id: string;
  repo: string;
  /** The repo commit the snapshot was built from, or 'none' for a directory that is not a git repo. */
  commit: string;
  builtAtMs: number;
  /** Bumped when the layout of a snapshot changes; older snapshots are retired, never revived. */
  formatVersion: number;
}

export interface SandboxSpec {
  sessionId: string;
  snapshot: SnapshotRef;
  /** Network access for providers without a policy of their own (e2b); off by default. Local sandboxes always go through their egress policy. */
  network?: boolean;
  signal?: AbortSignal;
}

export interface ExecOptions {
  cwd?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
  maxOutputBytes?: number;
  stdin?: string;
  signal?: AbortSignal;
  /** Called with output as it arrives (decoded text; stdout and stderr as they come), within maxOutputBytes. */
  onOutput?: (text: string, stream: 'stdout' | 'stderr') => void;
}

export interface ExecResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** True when output went past maxOutputBytes and was cut. */
  truncated: boolean;
  timedOut: boolean;
  durationMs: number;
}

export interface SpawnedProcess {
  stdout: Readable;
  stderr: Readable;
  write(data: string): void;
  kill(): void;
  exited: Promise<number | null>;
}

export interface PtyOptions {
  cols: number;
  rows: number;
  env?: Record<string, string>;
  signal?: AbortSignal;
}

export interface SandboxPty {
  onData(listener: (data: string) => void): () => void;
  onExit(listener: (exitCode: number) => void): () => void;
  write(data: string): void;
  resize(cols: number, rows: number): void;
  kill(): void;
}

export interface FileEntry {
  path: string;
  size: number;
  kind: 'file' | 'directory' | 'symlink';
}

/** A workspace entry as a commit holds it: a regular file's bytes and executable bit, or a link's target (never followed). */
export type WorkspaceEntry = { kind: 'file'; bytes: Uint8Array; executable: boolean } | { kind: 'symlink'; target: Uint8Array };

export interface WatchEvent {
  path: string;
}

export interface CallOptions {
  signal?: AbortSignal;
}

export interface ReadFileOptions extends CallOptions {
  /** A bigger file is refused (SandboxError 'too-large') without being read; DEFAULT_READ_FILE_MAX_BYTES when absent. */
  maxBytes?: number;
}

export interface ListFilesOptions extends CallOptions {
  recursive?: boolean;
  /** Listing stops after this many entries (a sandbox can make millions of files). */
  maxEntries?: number;
}

export interface WatchOptions extends CallOptions {
  /** Called once the watch is in place: every change from then on is reported. */
  onReady?(): void;
}

/** A sandbox whose egress goes through Tandem's proxy: its policy can change while it runs, and every attempt is told. */
export interface SandboxNetworkControl {
  setPolicy(policy: NetworkPolicy): void;
  onAttempt(listener: (attempt: ProxyAttempt) => void): () => void;
}

export interface Sandbox {
  readonly id: string;
  readonly providerName: string;
  /** Present when egress is Tandem's policy (local); absent when the provider controls it itself (e2b). */
  readonly network?: SandboxNetworkControl;
  exec(command: string, options?: ExecOptions): Promise<ExecResult>;
  spawn(command: string, options?: Omit<ExecOptions, 'timeoutMs' | 'maxOutputBytes' | 'stdin'>): SpawnedProcess;
  openPty(options: PtyOptions): Promise<SandboxPty>;
  /** A regular file's bytes; a symbolic link is refused ('outside-workspace'), never followed, by providers that read on the host. */
  readFile(path: string, options?: ReadFileOptions): Promise<Uint8Array>;
  /**
   * One entry as the server commits it (see WorkspaceEntry), read without following any link: a link
   * on the way is refused ('outside-workspace'); a folder, pipe or device is refused too.
   */
  readEntry(path: string, options?: ReadFileOptions): Promise<WorkspaceEntry>;
  writeFile(path: string, data: Uint8Array | string, options?: CallOptions): Promise<void>;
  listFiles(path: string, options?: ListFilesOptions): Promise<FileEntry[]>;
  watch(onChange: (event: WatchEvent) => void, options?: WatchOptions): () => void;
  /** A file as the snapshot had it (for the changes view); providers without a readable base omit it. */
  readBaseFile?(path: string, options?: ReadFileOptions): Promise<Uint8Array | null>;
  snapshot?(options?: CallOptions): Promise<SnapshotRef>;
  pause?(options?: CallOptions): Promise<void>;
  close(options?: CallOptions): Promise<void>;
}

export interface SandboxProviderCapabilities {
  snapshots: boolean;
  pause: boolean;
  network: boolean;
}

export interface SandboxProvider {
  readonly name: string;
  readonly capabilities: SandboxProviderCapabilities;
  create(spec: SandboxSpec): Promise<Sandbox>;
  resume?(sandboxId: string, options?: CallOptions): Promise<Sandbox>;
}

/** Defaults for exec, defined once. */
export const DEFAULT_EXEC_TIMEOUT_MS = 60_000;
export const DEFAULT_EXEC_MAX_OUTPUT_BYTES = 1024 * 1024;
/** The most readFile reads when the caller names no limit: the server never pulls a sandbox's huge file into its memory. */
export const DEFAULT_READ_FILE_MAX_BYTES = 32 * 1024 * 1024;

export type SandboxErrorCode = 'not-found' | 'outside-workspace' | 'is-directory' | 'not-a-file' | 'too-large' | 'aborted' | 'closed' | 'unavailable';

export class SandboxError extends Error {
  constructor(
    message: string,
    readonly code: SandboxErrorCode,
    /** For 'too-large': the size seen (at least), so a caller can show it without reading the file. */
    readonly sizeBytes?: number,
  ) {
    super(message);
  }
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new SandboxError('the call was aborted', 'aborted');
}
