import { constants } from 'node:fs';
import { lstat, mkdir, open, readdir, readlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { symbolicLinkRefusal } from '../link-refusal.js';
import { SandboxError } from '../provider.js';

/**
 * The server's own reads and writes of a sandbox's files, done as root on the host. The sandbox can
 * change its workspace at any moment, so a path that was checked can be a symbolic link (to
 * /etc/shadow, to /root) by the time it is opened. Nothing here resolves a path by name in one go:
 * every folder on the way is opened with O_NOFOLLOW through the descriptor of the folder before it
 * (/proc/self/fd/<parent>/<name>), the file last, and everything after that happens on the open
 * descriptor (fstat, read, ftruncate, write, fchown). A link anywhere on the way is refused, never
 * followed, whichever way it points.
 */

const { O_RDONLY, O_WRONLY, O_CREAT, O_DIRECTORY, O_NOFOLLOW, O_NONBLOCK } = constants;
export const DIRECTORY_FLAGS = O_RDONLY | O_DIRECTORY | O_NOFOLLOW;
/** O_NONBLOCK: a FIFO the sandbox planted must not hang the server's thread pool (it is refused after fstat). */
const READ_FLAGS = O_RDONLY | O_NOFOLLOW | O_NONBLOCK;
const WRITE_FLAGS = O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK;
/** Folders deeper than this are not listed (a sandbox can nest folders without end; paths through descriptors never get too long). */
export const MAX_LISTING_DEPTH = 64;
const NEW_FILE_MODE = 0o644;
const NEW_DIRECTORY_MODE = 0o755;

/** `name` inside an open folder, resolved from its descriptor (the folder itself is never looked up by name again). */
export const through = (directory: FileHandle, name: string) => `/proc/self/fd/${directory.fd}/${name}`;

/** A workspace-relative path as its parts; refuses anything that climbs out. */
export function pathParts(relativePath: string): string[] {
  const normalized = path.posix.normalize(relativePath.replaceAll('\\', '/').replace(/^\/+/, ''));
  const parts = normalized.split('/').filter((part) => part !== '' && part !== '.');
  if (parts.includes('..') || relativePath.includes('\0')) throw new SandboxError(`${relativePath} is outside the workspace`, 'outside-workspace');
  return parts;
}

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/**
 * Why `name` in `directory` could not be opened as what we needed, as a SandboxError people can act
 * on. `linkPath` is where `name` sits (the whole path, or a folder on the way to it).
 */
async function refusal(directory: FileHandle, name: string, shownPath: string, linkPath: string, error: unknown): Promise<SandboxError> {
  const code = errorCode(error);
  if (code === 'ENOENT') return new SandboxError(`${shownPath} does not exist`, 'not-found');
  if (code === 'ELOOP' || code === 'ENOTDIR') {
    // ELOOP is a link at the last part; ENOTDIR is a link (or a file) where a folder was needed. By
    // the time we look, the sandbox may have swapped the link away again: ELOOP is a link all the same.
    const target = await readlink(through(directory, name)).catch(() => null);
    if (target !== null || code === 'ELOOP') {
      return new SandboxError(symbolicLinkRefusal(shownPath, linkPath, target), 'outside-workspace');
    }
    if (code === 'ENOTDIR') return new SandboxError(`${linkPath} is not a folder, so ${shownPath} does not exist`, 'not-found');
  }
  throw error;
}

/** Opens a folder of the tree under `rootDir` (a directory the server made), one part at a time, never through a link. */
export async function openDirectory(rootDir: string, parts: string[], shownPath = parts.join('/')): Promise<FileHandle> {
  let directory = await open(rootDir, O_RDONLY | O_DIRECTORY);
  try {
    for (const [index, name] of parts.entries()) {
      const next = await open(through(directory, name), DIRECTORY_FLAGS).catch(async (error: unknown) => {
        throw await refusal(directory, name, shownPath, parts.slice(0, index + 1).join('/'), error);
      });
      await directory.close();
      directory = next;
    }
    return directory;
  } catch (error) {
    await directory.close().catch(() => {});
    throw error;
  }
}

export interface ReadOptions {
  /** Refuse (with code 'too-large') instead of reading a file bigger than this. */
  maxBytes?: number;
  signal?: AbortSignal;
}

/** Reads a regular file of the tree, never through a link, never more than `maxBytes`. */
export async function readTreeFile(rootDir: string, relativePath: string, options: ReadOptions = {}): Promise<Uint8Array> {
  const parts = pathParts(relativePath);
  const name = parts.pop();
  if (name === undefined) throw new SandboxError(`${relativePath || '.'} is a folder`, 'is-directory');
  const directory = await openDirectory(rootDir, parts, relativePath);
  let file: FileHandle;
  try {
    file = await open(through(directory, name), READ_FLAGS).catch(async (error: unknown) => {
      throw await refusal(directory, name, relativePath, relativePath, error);
    });
  } finally {
    await directory.close();
  }
  try {
    const stats = await file.stat();
    if (stats.isDirectory()) throw new SandboxError(`${relativePath} is a folder`, 'is-directory');
    if (!stats.isFile()) throw new SandboxError(`${relativePath} is not a regular file (a pipe, socket or device); it can't be read here`, 'not-a-file');
    return await readOpenFileBounded(file, stats.size, relativePath, options);
  } finally {
    await file.close();
  }
}

/**
 * The bytes of an open regular file of `sizeBytes` (its fstat), at most `maxBytes`: the file can grow
 * after the fstat, so one byte past the limit is read, to notice.
 */
export async function readOpenFileBounded(file: FileHandle, sizeBytes: number, relativePath: string, options: { maxBytes?: number; signal?: AbortSignal }): Promise<Uint8Array> {
  const limit = options.maxBytes ?? Number.MAX_SAFE_INTEGER;
  if (sizeBytes > limit) throw tooLarge(relativePath, sizeBytes, limit);
  const buffer = Buffer.alloc(Math.min(sizeBytes, limit) + 1);
  let filled = 0;
  for (;;) {
    if (options.signal?.aborted) throw new SandboxError('the call was aborted', 'aborted');
    const { bytesRead } = await file.read(buffer, filled, buffer.byteLength - filled, filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
    if (filled === buffer.byteLength) {
      if (filled > limit) throw tooLarge(relativePath, filled, limit);
      break;
    }
  }
  return new Uint8Array(buffer.buffer, buffer.byteOffset, filled);
}

function tooLarge(relativePath: string, sizeBytes: number, limitBytes: number): SandboxError {
  return new SandboxError(`${relativePath} is larger than ${limitBytes} bytes (at least ${sizeBytes}); read it in parts in the terminal`, 'too-large', sizeBytes);
}

/**
 * Writes a regular file of the tree as root and hands it (and any folder made for it) to `uid`: each
 * missing folder is made through its parent's descriptor and reopened without following links, and
 * the file is opened without following one, then truncated, written and chowned through its descriptor.
 */
export async function writeTreeFile(rootDir: string, relativePath: string, data: Uint8Array | string, uid: number): Promise<void> {
  const parts = pathParts(relativePath);
  const name = parts.pop();
  if (name === undefined) throw new SandboxError(`${relativePath || '.'} is a folder`, 'is-directory');
  let directory = await open(rootDir, O_RDONLY | O_DIRECTORY);
  try {
    for (const [index, part] of parts.entries()) {
      const next = await openOrMakeDirectory(directory, part, relativePath, parts.slice(0, index + 1).join('/'), uid);
      await directory.close();
      directory = next;
    }
    const file = await open(through(directory, name), WRITE_FLAGS, NEW_FILE_MODE).catch(async (error: unknown) => {
      if (errorCode(error) === 'EISDIR') throw new SandboxError(`${relativePath} is a folder`, 'is-directory');
      if (errorCode(error) === 'ENXIO') throw new SandboxError(`${relativePath} is not a regular file (a pipe, socket or device); it can't be written here`, 'not-a-file');
      throw await refusal(directory, name, relativePath, relativePath, error);
    });
    try {
      const stats = await file.stat();
      if (!stats.isFile()) throw new SandboxError(`${relativePath} is not a regular file (a pipe, socket or device); it can't be written here`, 'not-a-file');
      await file.truncate(0);
      const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      let written = 0;
      while (written < bytes.byteLength) written += (await file.write(bytes, written, bytes.byteLength - written, written)).bytesWritten;
      // The server writes as root; the file belongs to the sandbox's user.
      await file.chown(uid, uid);
    } finally {
      await file.close();
    }
  } finally {
    await directory.close().catch(() => {});
  }
}

async function openOrMakeDirectory(parent: FileHandle, name: string, shownPath: string, folderPath: string, uid: number): Promise<FileHandle> {
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      return await open(through(parent, name), DIRECTORY_FLAGS);
    } catch (error) {
      if (errorCode(error) !== 'ENOENT') throw await refusal(parent, name, shownPath, folderPath, error);
    }
    try {
      // mkdir never follows a link at its last part (a link there is EEXIST, then refused on open).
      await mkdir(through(parent, name), NEW_DIRECTORY_MODE);
    } catch (error) {
      // ENOENT: the folder we are in was removed meanwhile.
      if (errorCode(error) === 'ENOENT') throw new SandboxError(`${folderPath} was removed while ${shownPath} was written; try again`, 'not-found');
      if (errorCode(error) !== 'EEXIST') throw error;
      continue;
    }
    const made = await open(through(parent, name), DIRECTORY_FLAGS).catch(async (error: unknown) => {
      throw await refusal(parent, name, shownPath, folderPath, error);
    });
    await made.chown(uid, uid);
    return made;
  }
  throw new SandboxError(`${shownPath} keeps changing while it is written; try again`, 'not-found');
}

export interface TreeEntry {
  path: string;
  size: number;
  kind: 'file' | 'directory' | 'symlink';
}

export interface ListOptions {
  recursive?: boolean;
  /** Stops listing after this many entries. */
  maxEntries?: number;
  /** Top-level names left out (with everything under them). */
  skipTopLevel?: ReadonlySet<string>;
  signal?: AbortSignal;
}

/**
 * Lists a folder of the tree (and its subfolders when recursive) without ever entering a link: each
 * subfolder is opened with O_NOFOLLOW through its parent's descriptor. A folder holds one descriptor
 * while its subfolders are listed one after another (so at most MAX_LISTING_DEPTH are open), and the
 * entries of one folder are stat-ed in parallel, which is where the time goes.
 */
export async function listTree(rootDir: string, relativePath: string, options: ListOptions = {}): Promise<TreeEntry[]> {
  const startParts = pathParts(relativePath);
  const entries: TreeEntry[] = [];
  const maxEntries = options.maxEntries ?? Number.MAX_SAFE_INTEGER;
  const walk = async (directory: FileHandle, prefix: string, depth: number): Promise<void> => {
    if (options.signal?.aborted) throw new SandboxError('the call was aborted', 'aborted');
    const names = await readdir(`/proc/self/fd/${directory.fd}`);
    const listed = await Promise.all(
      names.map(async (name) => {
        const relative = prefix ? `${prefix}/${name}` : name;
        if (options.skipTopLevel?.has(relative.split('/')[0]!)) return null;
        // lstat through the folder's descriptor: the last part (the entry) is never followed.
        const stats = await lstat(through(directory, name)).catch(() => null);
        if (!stats) return null;
        const kind: TreeEntry['kind'] = stats.isSymbolicLink() ? 'symlink' : stats.isDirectory() ? 'directory' : 'file';
        return { path: relative, size: stats.size, kind, name };
      }),
    );
    for (const entry of listed) {
      if (!entry || entries.length >= maxEntries) continue;
      entries.push({ path: entry.path, size: entry.size, kind: entry.kind });
    }
    if (!options.recursive || depth >= MAX_LISTING_DEPTH) return;
    for (const entry of listed) {
      if (entry?.kind !== 'directory' || entries.length >= maxEntries) continue;
      // Swapped for a link or removed since the lstat: skipped, never followed.
      const child = await open(through(directory, entry.name), DIRECTORY_FLAGS).catch(() => null);
      if (!child) continue;
      try {
        await walk(child, entry.path, depth + 1);
      } finally {
        await child.close();
      }
    }
  };
  const start = await openDirectory(rootDir, startParts, relativePath);
  try {
    await walk(start, startParts.join('/'), 0);
  } finally {
    await start.close();
  }
  return entries;
}
