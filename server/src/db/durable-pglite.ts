import { fsyncSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { NodeFS } from '@electric-sql/pglite/nodefs';

/**
 * PGlite's defaults do not survive a power cut or an OS crash: it starts PostgreSQL with `-F` (fsync
 * off), and the Emscripten file system it uses on Node (NODEFS) has no fsync, so even with fsync on
 * a commit would only reach the page cache. Here fsync is on, the WAL is flushed with fsync() (the
 * call NODEFS can pass on; fdatasync is a no-op in Emscripten), and NODEFS gets a real fsync: a
 * commit returns once the WAL is on disk, as with PostgreSQL's own defaults.
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
}

/** NODEFS with a real fsync: PostgreSQL's fsync() of a WAL or table file reaches the disk. */
class FsyncingNodeFS extends NodeFS {
  override async init(...args: Parameters<NodeFS['init']>): ReturnType<NodeFS['init']> {
    const result = await super.init(...args);
    const preRun = result.emscriptenOpts.preRun ?? [];
    result.emscriptenOpts.preRun = [
      ...preRun,
      (module) => {
        const streamOps = (module.NODEFS as unknown as { stream_ops?: NodeFsStreamOps }).stream_ops;
        // Fail loudly if a PGlite upgrade moved this: a store that quietly stopped syncing is worse.
        if (!streamOps) throw new Error('PGlite NODEFS has no stream_ops: cannot make its commits durable');
        streamOps.fsync = (stream) => fsyncSync(stream.nfd);
      },
    ];
    return result;
  }
}

/** Opens PGlite on a data directory so that a commit that returned survives a crash of the process or the machine. */
export function createDurablePglite(dataDir: string): Promise<PGlite> {
  return PGlite.create({ dataDir, fs: new FsyncingNodeFS(dataDir), startParams: DURABLE_PGLITE_START_PARAMS });
}
