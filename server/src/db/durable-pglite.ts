import { fsync, fsyncSync } from 'node:fs';
import { promisify } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import { NodeFS } from '@electric-sql/pglite/nodefs';

/**
 * PGlite's defaults do not survive a power cut or an OS crash: it starts PostgreSQL with `-F` (fsync
 * off), and the Emscripten file system it uses on Node (NODEFS) has no fsync, so even with fsync on
 * a commit would only reach the page cache. Here fsync is on, the WAL is flushed with fsync() (the
 * call NODEFS can pass on; fdatasync is a no-op in Emscripten), and NODEFS gets a real fsync: a
 * commit returns once the WAL is on disk, as with PostgreSQL's own defaults.
 *
 * PGlite runs on the event loop and its file calls are synchronous, so a real fsync there would stall
 * the whole server whenever the disk is slow (a sandbox filling its workspace made /api/health and
 * every other session's terminal wait over a second). PostgreSQL's fsync calls are therefore noted,
 * and the query that made them resolves only once they are done in libuv's thread pool: the caller
 * still sees its commit only once it is on disk, and the event loop never waits on the disk.
 */
export const DURABLE_PGLITE_START_PARAMS = [
  ...PGlite.defaultStartParams.filter((param) => param !== '-F'),
  '-c',
  'fsync=on',
  '-c',
  'synchronous_commit=on',
  '-c',
  'wal_sync_method=fsync',
];

interface NodeFsStreamOps {
  fsync?: (stream: { nfd: number }) => void;
  close?: (stream: { nfd: number }) => void;
}

const fsyncAsync = promisify(fsync);

/** File descriptors PostgreSQL asked to fsync, synced off the event loop before the query that asked returns. */
class DeferredFsyncs {
  private pending = new Set<number>();

  note(fd: number): void {
    this.pending.add(fd);
  }

  /** A file about to close is synced now (rare: WAL segments stay open), so no requested sync is lost with its descriptor. */
  beforeClose(fd: number): void {
    if (this.pending.delete(fd)) fsyncSync(fd);
  }

  /** Everything asked so far reaches the disk; what is asked meanwhile is left for the next call. */
  async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const fds = [...this.pending];
    this.pending.clear();
    await Promise.all(fds.map((fd) => fsyncAsync(fd).catch((error: NodeJS.ErrnoException) => {
      // Closed meanwhile: beforeClose synced it.
      if (error.code !== 'EBADF') throw error;
    })));
  }
}

/** NODEFS with a real fsync: PostgreSQL's fsync() of a WAL or table file reaches the disk. */
class FsyncingNodeFS extends NodeFS {
  readonly fsyncs = new DeferredFsyncs();

  override async init(...args: Parameters<NodeFS['init']>): ReturnType<NodeFS['init']> {
    const result = await super.init(...args);
    const preRun = result.emscriptenOpts.preRun ?? [];
    result.emscriptenOpts.preRun = [
      ...preRun,
      (module) => {
        const streamOps = (module.NODEFS as unknown as { stream_ops?: NodeFsStreamOps }).stream_ops;
        // Fail loudly if a PGlite upgrade moved this: a store that quietly stopped syncing is worse.
        if (!streamOps) throw new Error('PGlite NODEFS has no stream_ops: cannot make its commits durable');
        const fsyncs = this.fsyncs;
        streamOps.fsync = (stream) => fsyncs.note(stream.nfd);
        const close = streamOps.close;
        if (!close) throw new Error('PGlite NODEFS has no close: cannot make its commits durable');
        streamOps.close = (stream) => {
          fsyncs.beforeClose(stream.nfd);
          close(stream);
        };
      },
    ];
    return result;
  }
}

/** Opens PGlite on a data directory so that a commit that returned survives a crash of the process or the machine. */
export async function createDurablePglite(dataDir: string): Promise<PGlite> {
  const fs = new FsyncingNodeFS(dataDir);
  const client = await PGlite.create({ dataDir, fs, startParams: DURABLE_PGLITE_START_PARAMS });
  // Every way drizzle commits: each resolves once the fsyncs PostgreSQL asked for are done.
  for (const method of ['query', 'exec', 'transaction'] as const) {
    const original = (client[method] as (...args: unknown[]) => Promise<unknown>).bind(client);
    (client as unknown as Record<typeof method, (...args: unknown[]) => Promise<unknown>>)[method] = async (...args) => {
      const result = await original(...args);
      await fs.fsyncs.flush();
      return result;
    };
  }
  return client;
}
