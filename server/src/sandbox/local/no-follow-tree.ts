import { constants, type Stats } from 'node:fs';
import { chmod, copyFile, lstat, mkdir, open, readdir, readlink, symlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';

/**
 * Copying a tree and opening it to every sandbox uid, as root, without ever following a link.
 *
 * The trees are hostile: a repo's links may point anywhere on the host, and a live workspace can
 * swap a folder for a link while it is being copied. So every entry is opened relative to its
 * parent's open descriptor (`/proc/self/fd/<dir>/<name>`, the `openat` of Node) with O_NOFOLLOW,
 * and what is done with it is decided from that descriptor's own stat. A link is copied as a link
 * (its target verbatim) and is never chmod-ed; nothing outside the tree is ever read or changed.
 */

/** Files copied at once within one folder (folders are walked one at a time, so open descriptors stay bounded). */
export const TREE_COPY_CONCURRENCY = 32;

/** Deeper trees are refused: every level holds a descriptor open, and no real repo nests this far. */
export const MAX_TREE_DEPTH = 256;

const OPEN_NO_FOLLOW = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/** `a+rwX` without set-id or sticky bits: everyone reads and writes; folders and executables stay executable. */
export function sharedMode(mode: number, isDirectory: boolean): number {
  const executable = isDirectory || (mode & 0o111) !== 0;
  return (mode & 0o777) | 0o666 | (executable ? 0o111 : 0);
}

/** The entry `name` inside the folder open as `folder`, reached through the descriptor, not by path. */
const entryOf = (folder: FileHandle, name: string) => `/proc/self/fd/${folder.fd}/${name}`;

/** Entries that vanish or turn into links while the tree is walked are left out, never followed. */
function isChangedUnderfoot(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ELOOP' || code === 'ENOTDIR' || code === 'EINVAL' || code === 'ENXIO';
}

async function openTreeRoot(dir: string): Promise<FileHandle> {
  try {
    return await open(dir, OPEN_NO_FOLLOW | constants.O_DIRECTORY);
  } catch (error) {
    // O_NOFOLLOW with O_DIRECTORY fails with ENOTDIR (or ELOOP) on a link.
    if ((await lstat(dir).catch(() => null))?.isSymbolicLink()) throw new Error(`${dir} is a link; a tree is walked from its real path only`);
    throw error;
  }
}

type OpenedEntry = { kind: 'link'; target: string } | { kind: 'directory' | 'file'; handle: FileHandle; mode: number };

/** What an entry is, by lstat (its last component is not followed); null when it is gone. */
async function lookAt(folder: FileHandle, name: string): Promise<Stats | null> {
  return lstat(entryOf(folder, name)).catch((error: unknown) => {
    if (isChangedUnderfoot(error)) return null;
    throw error;
  });
}

/**
 * Opens an entry seen by `lookAt` without following it. Null for what is neither a folder, a file
 * nor a link (FIFOs, sockets and devices are not repo content, and opening one could block or act),
 * and for an entry that changed underfoot.
 */
async function openEntry(folder: FileHandle, name: string, seen: Stats): Promise<OpenedEntry | null> {
  const at = entryOf(folder, name);
  try {
    if (seen.isSymbolicLink()) return { kind: 'link', target: await readlink(at) };
    if (!seen.isDirectory() && !seen.isFile()) return null;
    const handle = await open(at, OPEN_NO_FOLLOW | (seen.isDirectory() ? constants.O_DIRECTORY : 0));
    const opened = await handle.stat();
    // Swapped for something else between lstat and open: leave it out.
    if (opened.ino !== seen.ino || opened.dev !== seen.dev) {
      await handle.close();
      return null;
    }
    return { kind: opened.isDirectory() ? 'directory' : 'file', handle, mode: opened.mode };
  } catch (error) {
    if (isChangedUnderfoot(error)) return null;
    throw error;
  }
}

type Visit = (name: string, entry: OpenedEntry) => Promise<void>;

/**
 * Visits each entry of an open folder: files and links a batch at a time, then subfolders one at a
 * time (each opened only when its turn comes), so open descriptors stay at depth + a batch.
 */
async function eachEntry(folder: FileHandle, depth: number, visit: Visit): Promise<void> {
  if (depth > MAX_TREE_DEPTH) throw new Error(`The tree nests folders more than ${MAX_TREE_DEPTH} deep; flatten it`);
  const names = await readdir(`/proc/self/fd/${folder.fd}`);
  const subfolders: Array<{ name: string; seen: Stats }> = [];
  for (let start = 0; start < names.length; start += TREE_COPY_CONCURRENCY) {
    await Promise.all(
      names.slice(start, start + TREE_COPY_CONCURRENCY).map(async (name) => {
        const seen = await lookAt(folder, name);
        if (!seen) return;
        if (seen.isDirectory()) subfolders.push({ name, seen });
        else await openAndVisit(folder, name, seen, visit);
      }),
    );
  }
  for (const { name, seen } of subfolders) await openAndVisit(folder, name, seen, visit);
}

async function openAndVisit(folder: FileHandle, name: string, seen: Stats, visit: Visit): Promise<void> {
  const entry = await openEntry(folder, name, seen);
  if (!entry) return;
  try {
    await visit(name, entry);
  } finally {
    if (entry.kind !== 'link') await entry.handle.close();
  }
}

/**
 * Copies `source` (a real path, not a link) to `destination` (must not exist): folders and files
 * with `a+rwX` modes (see sharedMode), links as links. `skip` leaves out entries by relative path.
 * Each folder stays 0700 until it is complete, so no one sees or slips into a half-made copy.
 */
export async function copyTreeNoFollow(source: string, destination: string, options: { skip?: (relativePath: string) => boolean } = {}): Promise<void> {
  const root = await openTreeRoot(source);
  try {
    await copyFolder(root, (await root.stat()).mode, destination, '', 0);
  } finally {
    await root.close();
  }

  async function copyFolder(folder: FileHandle, mode: number, target: string, relative: string, depth: number): Promise<void> {
    await mkdir(target, { mode: 0o700 });
    await eachEntry(folder, depth, async (name, entry) => {
      const childRelative = relative === '' ? name : `${relative}/${name}`;
      if (options.skip?.(childRelative)) return;
      const childTarget = path.join(target, name);
      switch (entry.kind) {
        case 'link':
          await symlink(entry.target, childTarget);
          return;
        case 'directory':
          await copyFolder(entry.handle, entry.mode, childTarget, childRelative, depth + 1);
          return;
        case 'file':
          // Through the descriptor: the very file that was checked, whatever its name points to now.
          await copyFile(`/proc/self/fd/${entry.handle.fd}`, childTarget, constants.COPYFILE_EXCL);
          await chmod(childTarget, sharedMode(entry.mode, false));
          return;
        default:
          return entry satisfies never;
      }
    });
    await chmod(target, sharedMode(mode, true));
  }
}

/** Files the copy made are shared already; only what changed since (a setup script's output) needs a chmod. */
async function shareOne(handle: FileHandle, mode: number, isDirectory: boolean): Promise<void> {
  if ((mode & 0o7777) !== sharedMode(mode, isDirectory)) await handle.chmod(sharedMode(mode, isDirectory));
}

/**
 * Gives every folder and file in `root` `a+rwX` modes (see sharedMode), through descriptors opened
 * without following links; links themselves, and whatever they point to, are left alone.
 */
export async function shareTreeNoFollow(root: string): Promise<void> {
  const handle = await openTreeRoot(root);
  try {
    await share(handle, (await handle.stat()).mode, 0);
  } finally {
    await handle.close();
  }

  async function share(folder: FileHandle, mode: number, depth: number): Promise<void> {
    await shareOne(folder, mode, true);
    await eachEntry(folder, depth, async (_name, entry) => {
      switch (entry.kind) {
        case 'link':
          return;
        case 'directory':
          await share(entry.handle, entry.mode, depth + 1);
          return;
        case 'file':
          await shareOne(entry.handle, entry.mode, false);
          return;
        default:
          return entry satisfies never;
      }
    });
  }
}
