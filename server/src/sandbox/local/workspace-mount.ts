import { execFile } from 'node:child_process';
import { chown, cp, mkdir, rm } from 'node:fs/promises';
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
  unmount(): Promise<void>;
}

/**
 * A session's workspace, copy-on-write over the snapshot: kernel overlayfs (lower = snapshot tree,
 * upper = the session's layer) when running as root, so a session starts without copying the repo;
 * otherwise a plain copy of the tree, slower but correct.
 */
export async function mountWorkspace(options: { snapshotTreeDir: string; sandboxDir: string; uid: number }): Promise<MountedWorkspace> {
  const merged = path.join(options.sandboxDir, 'merged');
  await mkdir(merged, { recursive: true });
  if (process.getuid?.() === 0) {
    const upper = path.join(options.sandboxDir, 'upper');
    const work = path.join(options.sandboxDir, 'work');
    await mkdir(upper, { recursive: true });
    await mkdir(work, { recursive: true });
    await chown(upper, options.uid, options.uid);
    await execFileAsync('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${options.snapshotTreeDir},upperdir=${upper},workdir=${work}`, merged]);
    await chown(merged, options.uid, options.uid);
    return {
      dir: merged,
      upperDir: upper,
      baseDir: options.snapshotTreeDir,
      async unmount() {
        await execFileAsync('umount', ['-l', merged]).catch(() => {});
      },
    };
  }
  await cp(options.snapshotTreeDir, merged, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
  return { dir: merged, upperDir: null, baseDir: options.snapshotTreeDir, unmount: async () => {} };
}

export async function removeSandboxDir(sandboxDir: string): Promise<void> {
  await rm(sandboxDir, { recursive: true, force: true });
}
