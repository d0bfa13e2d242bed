import { execFile } from 'node:child_process';
import { chown, cp, mkdir, open, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export interface MountedWorkspace {
  /** Host directory the sandbox sees as /workspace. */
  dir: string;
  /** The session's own layer: what changed against the snapshot. */
  upperDir: string | null;
  /** The snapshot tree the workspace started from (read-only). */
  baseDir: string;
  /** A folder on the session's size-capped disk, for a /tmp that must not live in memory (null without one). */
  scratchDir: string | null;
  /** How the session's writes are bounded. */
  diskKind: SessionDiskKind;
  unmount(): Promise<void>;
}

/**
 * What holds a session's own layer: an ext4 image of exactly the size limit, loop-mounted (a full
 * disk is ENOSPC inside the sandbox, and nothing else fills up); a tmpfs of that size where loop
 * devices are missing (bounded too, but in memory); or nothing at all without root (a plain copy).
 */
export type SessionDiskKind = 'disk-image' | 'tmpfs' | 'unbounded';

/** Inodes on the session disk: one per 8 KiB (twice ext4's default), as `npm install` makes many small files. */
const DISK_BYTES_PER_INODE = 8192;

/**
 * A session's workspace, copy-on-write over the snapshot: kernel overlayfs (lower = snapshot tree,
 * upper = the session's layer, on a disk of `diskBytes`) when running as root, so a session starts
 * without copying the repo; otherwise a plain copy of the tree, slower but correct.
 */
export async function mountWorkspace(options: { snapshotTreeDir: string; sandboxDir: string; uid: number; diskBytes: number }): Promise<MountedWorkspace> {
  const merged = path.join(options.sandboxDir, 'merged');
  await mkdir(merged, { recursive: true });
  if (process.getuid?.() === 0) {
    const disk = await mountSessionDisk(options.sandboxDir, options.diskBytes);
    try {
      const upper = path.join(disk.dir, 'upper');
      const work = path.join(disk.dir, 'work');
      const scratch = path.join(disk.dir, 'tmp');
      await Promise.all([upper, work, scratch].map((dir) => mkdir(dir, { recursive: true })));
      await chown(upper, options.uid, options.uid);
      await chown(scratch, options.uid, options.uid);
      await execFileAsync('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${options.snapshotTreeDir},upperdir=${upper},workdir=${work}`, merged]);
      await chown(merged, options.uid, options.uid);
      return {
        dir: merged,
        upperDir: upper,
        baseDir: options.snapshotTreeDir,
        scratchDir: scratch,
        diskKind: disk.kind,
        async unmount() {
          await execFileAsync('umount', ['-l', merged]).catch(() => {});
          await disk.unmount();
        },
      };
    } catch (error) {
      await disk.unmount();
      throw error;
    }
  }
  await cp(options.snapshotTreeDir, merged, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
  return { dir: merged, upperDir: null, baseDir: options.snapshotTreeDir, scratchDir: null, diskKind: 'unbounded', unmount: async () => {} };
}

/** The session's own disk at <sandboxDir>/disk: an ext4 image of `sizeBytes`, or a tmpfs of that size when loop devices fail. */
async function mountSessionDisk(sandboxDir: string, sizeBytes: number): Promise<{ dir: string; kind: SessionDiskKind; unmount(): Promise<void> }> {
  const dir = path.join(sandboxDir, 'disk');
  const image = path.join(sandboxDir, 'disk.img');
  await mkdir(dir, { recursive: true });
  const unmountDir = () => execFileAsync('umount', ['-l', dir]).then(() => {}, () => {});
  try {
    // Sparse: it takes host disk only as the session writes.
    const file = await open(image, 'w', 0o600);
    await file.truncate(sizeBytes);
    await file.close();
    await execFileAsync('mkfs.ext4', ['-q', '-F', '-m', '0', '-i', String(DISK_BYTES_PER_INODE), '-O', '^has_journal', '-E', 'nodiscard,lazy_itable_init=1', image]);
    // noinit_itable: no background zeroing of the inode tables (tens of MiB written per sandbox); ext4 tracks unused ones.
    await execFileAsync('mount', ['-o', 'loop,nosuid,nodev,noinit_itable', image, dir]);
    await useDirectIo(dir);
    return {
      dir,
      kind: 'disk-image',
      async unmount() {
        await unmountDir();
        await rm(image, { force: true });
      },
    };
  } catch {
    await rm(image, { force: true });
    await execFileAsync('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes},mode=0755,nosuid,nodev`, 'tmpfs', dir]);
    return { dir, kind: 'tmpfs', unmount: unmountDir };
  }
}

/**
 * Lets the loop device write its image with direct I/O, past the host's page cache. Buffered, a
 * sandbox filling its disk leaves gigabytes dirty in the host file system, and every fsync the server
 * makes (the embedded store's commits, on the event loop) waits behind them for seconds. Best effort:
 * a host that cannot do it keeps buffered writes, still bounded by the image's size.
 */
async function useDirectIo(mountDir: string): Promise<void> {
  try {
    const { stdout } = await execFileAsync('findmnt', ['-n', '-o', 'SOURCE', '--mountpoint', mountDir]);
    const device = stdout.trim();
    if (device.startsWith('/dev/loop')) await execFileAsync('losetup', ['--direct-io=on', device]);
  } catch {
    // Buffered writes it is.
  }
}

export async function removeSandboxDir(sandboxDir: string): Promise<void> {
  await rm(sandboxDir, { recursive: true, force: true });
}
