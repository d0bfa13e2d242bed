import { constants } from 'node:fs';
import { lstat, open, readlink, type FileHandle } from 'node:fs/promises';
import { SandboxError, type WorkspaceEntry } from '../provider.js';
import { openDirectory, pathParts, readOpenFileBounded, through } from './host-files.js';

/**
 * One workspace entry read on the host for a commit the server makes (blueprint/server-commit.ts).
 * As everywhere in host-files.ts, nothing is resolved by name in one go: every folder on the way is
 * opened with O_NOFOLLOW through the one before it (a link there is refused, 'outside-workspace').
 * The entry itself is lstat-ed through its folder's descriptor; a link's target is read with
 * readlink, which never follows the last part; a file is opened with O_NOFOLLOW and read, and its
 * mode taken, through its own descriptor. An entry swapped between the lstat and the open is looked
 * at again, a few times.
 */

/** O_NONBLOCK: a FIFO swapped in must not hang the server's thread pool (it is refused after fstat). */
const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
const ENTRY_READ_ATTEMPTS = 3;

const errorCode = (error: unknown) => (error as NodeJS.ErrnoException | undefined)?.code;

export async function readTreeEntry(rootDir: string, relativePath: string, options: { maxBytes: number; signal?: AbortSignal }): Promise<WorkspaceEntry> {
  const parts = pathParts(relativePath);
  const name = parts.pop();
  if (name === undefined) throw new SandboxError(`${relativePath || '.'} is a folder`, 'is-directory');
  const directory = await openDirectory(rootDir, parts, relativePath);
  try {
    for (let attempt = 0; attempt < ENTRY_READ_ATTEMPTS; attempt += 1) {
      const at = through(directory, name);
      const seen = await lstat(at).catch((error: unknown) => {
        throw errorCode(error) === 'ENOENT' ? new SandboxError(`${relativePath} does not exist`, 'not-found') : error;
      });
      if (seen.isSymbolicLink()) {
        // EINVAL: no longer a link by now; look again.
        const target = await readlink(at, { encoding: 'buffer' }).catch((error: unknown) => (['EINVAL', 'ENOENT'].includes(errorCode(error) ?? '') ? null : Promise.reject(error)));
        if (target === null) continue;
        return { kind: 'symlink', target: new Uint8Array(target.buffer, target.byteOffset, target.byteLength) };
      }
      if (seen.isDirectory()) throw new SandboxError(`${relativePath} is a folder`, 'is-directory');
      if (!seen.isFile()) throw new SandboxError(`${relativePath} is not a regular file (a pipe, socket or device)`, 'not-a-file');
      // ELOOP: swapped for a link since the lstat; look again (it is then read as a link, never followed).
      const file = await open(at, READ_FLAGS).catch((error: unknown) => (errorCode(error) === 'ELOOP' ? null : Promise.reject(error)));
      if (!file) continue;
      try {
        return await readOpenFile(file, relativePath, options);
      } finally {
        await file.close();
      }
    }
    throw new SandboxError(`${relativePath} keeps changing between a link and a file; try again`, 'not-found');
  } finally {
    await directory.close();
  }
}

async function readOpenFile(file: FileHandle, relativePath: string, options: { maxBytes: number; signal?: AbortSignal }): Promise<WorkspaceEntry> {
  const stats = await file.stat();
  if (!stats.isFile()) throw new SandboxError(`${relativePath} is not a regular file (a pipe, socket or device)`, 'not-a-file');
  const bytes = await readOpenFileBounded(file, stats.size, relativePath, options);
  // git's rule: executable when the owner may execute it.
  return { kind: 'file', bytes, executable: (stats.mode & 0o100) !== 0 };
}
