import type * as Y from 'yjs';
import { readFileInfo } from '@tandem/shared/doc/accessors.js';
import { MAX_LIVE_FILE_BYTES } from '@tandem/shared/limits.js';
import { SandboxError, type Sandbox } from '../../sandbox/provider.js';
import { createWorkspaceIgnore, guessKind, normalizeWorkspacePath } from './file-kind.js';
import type { FileInfo } from '@tandem/shared/doc/schema.js';

/** Quiet time after a sandbox change to a path before it is read (editors write in bursts). */
export const SANDBOX_EVENT_DEBOUNCE_MS = 25;
/** Quiet time after a person's keystrokes before the file is written to the sandbox. */
export const DOC_WRITE_DEBOUNCE_MS = 40;
/** What the tree says wrote a file when a command in the sandbox changed it. */
export const SANDBOX_WRITER = 'sandbox';
export const AGENT_WRITER = 'Claude';
/**
 * Setting up a recursive watch of a big tree blocks for a moment (0.6 s for 20,000 files), so it
 * starts just after the tree has gone out to the viewers; a second listing catches what changed meanwhile.
 */
export const WATCH_START_DELAY_MS = 100;
/** The most the agent's read_file (and the server for it) reads of a file that is not live; beyond it, the terminal. */
export const MAX_AGENT_READ_BYTES = 8 * 1024 * 1024;
/**
 * Sandbox changes read at once per session. A sandbox can make files by the ten thousand; without a
 * bound, their reads would queue ahead of every other session's in the server's I/O threads.
 */
export const MAX_CONCURRENT_SANDBOX_READS = 8;
/** Changed files that are listed but not live reach the tree together, at most this long after they were read. */
export const LISTING_BATCH_MS = 50;

export class FileSyncError extends Error {
  constructor(
    message: string,
    readonly reason: 'invalid-path' | 'not-found' | 'binary' | 'too-large',
  ) {
    super(message);
  }
}

export interface WorkspaceSyncDeps {
  sessionId: string;
  sandbox: Sandbox;
  doc: Y.Doc;
  /** Lets the doc unload again; called once, when the sync stops. */
  releaseDoc?: () => void;
  logger: { error(message: string, error?: unknown): void };
}

export const decoder = new TextDecoder();
export const byteLength = (text: string) => Buffer.byteLength(text, 'utf8');
export const isSandboxError = (error: unknown, ...codes: SandboxError['code'][]): error is SandboxError =>
  error instanceof SandboxError && codes.includes(error.code);
/** Bounded reads: a file that could never be live is not pulled into the server's memory to find that out. */
export const LIVE_READ = { maxBytes: MAX_LIVE_FILE_BYTES } as const;

/**
 * What the file sync's halves (tree listing, live files, sandbox pull) share of one session: the
 * merge bases, who wrote what, the per-path work queues and timers.
 */
export class FileSyncState {
  /** Per live path: the content the doc and the sandbox last agreed on (the base of a merge). */
  readonly shadow = new Map<string, string>();
  /** Per path: who last changed it in the doc. */
  readonly writers = new Map<string, string>();
  /** Paths that existed in the snapshot and were removed in this session (for the changes view). */
  readonly removed = new Set<string>();
  readonly chains = new Map<string, Promise<void>>();
  readonly eventTimers = new Map<string, NodeJS.Timeout>();
  readonly writeTimers = new Map<string, NodeJS.Timeout>();
  readonly openedOrder: string[] = [];
  readonly readSlots = createSlots(MAX_CONCURRENT_SANDBOX_READS);
  /** Tree entries waiting to be written in one doc update (a flood of new files is one update, not thousands). */
  readonly pendingListings = new Map<string, FileInfo>();
  listingTimer: NodeJS.Timeout | null = null;
  ignore = createWorkspaceIgnore(null);
  stopped = false;

  constructor(readonly deps: WorkspaceSyncDeps) {}

  get doc(): Y.Doc {
    return this.deps.doc;
  }

  get sandbox(): Sandbox {
    return this.deps.sandbox;
  }

  requirePath(raw: string): string {
    const path = normalizeWorkspacePath(raw);
    if (!path || this.isIgnored(path)) throw new FileSyncError(`${raw} is not a workspace file path`, 'invalid-path');
    return path;
  }

  isIgnored(path: string): boolean {
    return this.ignore.ignores(path);
  }

  infoFor(path: string, size: number, changed?: boolean) {
    const known = readFileInfo(this.doc, path);
    return {
      size,
      kind: known?.kind ?? guessKind(path, size),
      changedInSession: changed ?? known?.changedInSession ?? false,
      lastWriter: this.writers.get(path) ?? known?.lastWriter,
    };
  }

  /** Runs sandbox work for one path in order (a read never overtakes a write of the same file). */
  enqueue(path: string, work: () => Promise<void>): Promise<void> {
    const next = (this.chains.get(path) ?? Promise.resolve())
      .then(() => (this.stopped ? undefined : work()))
      .catch((error: unknown) => this.deps.logger.error(`file sync of ${path} failed`, error));
    this.chains.set(path, next);
    void next.finally(() => {
      if (this.chains.get(path) === next) this.chains.delete(path);
    });
    return next;
  }
}

/** At most `count` of the given jobs run at once; the rest wait their turn, in order. */
function createSlots(count: number) {
  let free = count;
  const waiting: Array<() => void> = [];
  return {
    async run<T>(job: () => Promise<T>): Promise<T> {
      if (free === 0) await new Promise<void>((resolve) => waiting.push(resolve));
      else free -= 1;
      try {
        return await job();
      } finally {
        const next = waiting.shift();
        if (next) next();
        else free += 1;
      }
    },
  };
}
