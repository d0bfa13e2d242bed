import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { access, chmod, lstat, mkdir, realpath, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { decideSandboxRoot, SANDBOX_TREE_DIR_MODE, SYSTEM_SANDBOX_BASE, type SandboxPlace, type SandboxPlaceKind } from './sandbox-root.js';

/** The real path of `target`, or of its nearest existing ancestor joined with the rest. */
async function realPathOrNearest(target: string): Promise<string> {
  try {
    return await realpath(target);
  } catch {
    const parent = path.dirname(target);
    if (parent === target) return target;
    return path.join(await realPathOrNearest(parent), path.basename(target));
  }
}

/** The first existing folder above `dir`, from / down, that other users cannot pass through. */
async function firstBlockingAncestor(dir: string): Promise<{ path: string; mode: number } | null> {
  const real = await realPathOrNearest(path.resolve(dir));
  const ancestors: string[] = [];
  for (let current = path.dirname(real); ; current = path.dirname(current)) {
    ancestors.unshift(current);
    if (path.dirname(current) === current) break;
  }
  for (const ancestor of ancestors) {
    const stats = await stat(ancestor).catch(() => null);
    if (stats === null) continue;
    if ((stats.mode & 0o001) === 0) return { path: ancestor, mode: stats.mode };
  }
  return null;
}

const ownUid = () => process.getuid?.() ?? -1;

/** Whether `dir` is a real folder (not a link) owned by this server's user. */
async function ownership(dir: string): Promise<Pick<SandboxPlace, 'state' | 'foreignDetail'>> {
  const stats = await lstat(dir).catch(() => null);
  if (stats === null) {
    let parent = path.dirname(dir);
    while (!(await stat(parent).catch(() => null)) && path.dirname(parent) !== parent) parent = path.dirname(parent);
    const writable = await access(parent, constants.W_OK | constants.X_OK).then(() => true, () => false);
    return { state: writable ? 'creatable' : 'cannot-create' };
  }
  if (!stats.isDirectory()) return { state: 'foreign', foreignDetail: stats.isSymbolicLink() ? 'is a symbolic link' : 'is not a folder' };
  if (stats.uid !== ownUid()) return { state: 'foreign', foreignDetail: `belongs to uid ${stats.uid}, not this server's (${ownUid()})` };
  return { state: 'ours' };
}

async function probe(kind: SandboxPlaceKind, dir: string, treesDir = dir): Promise<SandboxPlace> {
  return { kind, dir, treesDir, blockedBy: await firstBlockingAncestor(dir), ...(await ownership(dir)) };
}

/** A short name for this server's own folder, the same at every start (its saved workspaces are found again). */
export async function serverKey(dataDir: string): Promise<string> {
  return createHash('sha256').update(await realPathOrNearest(path.resolve(dataDir))).digest('hex').slice(0, 16);
}

/** Makes (or takes) a folder of ours with SANDBOX_TREE_DIR_MODE, refusing one someone else made or swapped for a link. */
async function ownFolder(dir: string, recursive: boolean): Promise<void> {
  await mkdir(dir, { recursive, mode: SANDBOX_TREE_DIR_MODE }).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error;
  });
  const { state, foreignDetail } = await ownership(dir);
  if (state !== 'ours') throw new Error(`Cannot use ${dir} for sandbox workspaces: it ${foreignDetail ?? 'could not be made'}`);
  await chmod(dir, SANDBOX_TREE_DIR_MODE);
}

export interface PreparedSandboxRoot {
  /** Holds snapshots/ and sandboxes/. */
  treesDir: string;
  kind: SandboxPlaceKind;
  /** Said at start-up when the trees are not in the data dir. */
  note: string | null;
}

export interface SandboxRootOptions {
  dataDir: string;
  /** TANDEM_SANDBOX_DIR, when set. */
  configuredDir?: string;
  /** Overridable for tests. */
  systemBase?: string;
  tempDir?: string;
}

/**
 * Probes the candidate places, decides (decideSandboxRoot) and makes the chosen one, or throws the
 * reason no place works. Checked again once made: a umask or a link must not leave it unreachable.
 */
export async function prepareSandboxRoot(options: SandboxRootOptions): Promise<PreparedSandboxRoot> {
  const key = await serverKey(options.dataDir);
  const systemBase = options.systemBase ?? SYSTEM_SANDBOX_BASE;
  const places = options.configuredDir
    ? [await probe('configured', path.resolve(options.configuredDir))]
    : [
        // By real path: a data dir that is a link is judged (and used) where it really is.
        await probe('data-dir', await realPathOrNearest(path.resolve(options.dataDir))),
        await probe('system', systemBase, path.join(systemBase, key)),
        await probe('temporary', path.join(options.tempDir ?? os.tmpdir(), `tandem-sandboxes-${key}`)),
      ];
  const decision = decideSandboxRoot(places);
  if (decision.kind === 'impossible') throw new Error(decision.reason);
  const { place } = decision;
  // The data dir and a configured folder may need their parents made; the others sit in a place that exists.
  await ownFolder(place.dir, place.kind === 'data-dir' || place.kind === 'configured');
  if (place.treesDir !== place.dir) await ownFolder(place.treesDir, false);
  const blocked = await firstBlockingAncestor(path.join(place.treesDir, 'sandboxes'));
  if (blocked) {
    throw new Error(`Sandbox workspaces in ${place.treesDir} would be out of reach: ${blocked.path} (mode 0${(blocked.mode & 0o777).toString(8)}) lets no other user pass; chmod o+x it`);
  }
  return { treesDir: place.treesDir, kind: place.kind, note: decision.note };
}
