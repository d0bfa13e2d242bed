import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, cp, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { z } from 'zod';
import type { ExecResult, SnapshotRef } from '../provider.js';

const execFileAsync = promisify(execFile);

/** Bumped whenever the snapshot layout changes; snapshots of another version are retired, never used. */
export const SNAPSHOT_FORMAT_VERSION = 1;
/** The repo's own setup script, run once per snapshot inside a sandbox. */
export const SETUP_SCRIPT_PATH = '.tandem/setup.sh';
export const SETUP_TIMEOUT_MS = 10 * 60_000;

const stampSchema = z.object({
  id: z.string(),
  repo: z.string(),
  commit: z.string(),
  builtAtMs: z.number(),
  formatVersion: z.number(),
});

export type SnapshotProgress = (step: string) => void;

export interface SnapshotStoreOptions {
  /** Where snapshots live: <dir>/<id>/{tree,stamp.json,setup.log}. */
  dir: string;
  /** Runs the setup script with the tree as the workspace (network allowed: setup installs things). */
  runSetup(treeDir: string, script: string): Promise<ExecResult>;
  /** Local repo paths must lie under one of these (the server must not snapshot arbitrary host files). */
  allowedRepoRoots: string[];
}

export function isGitUrl(repo: string): boolean {
  return /^(https?|ssh|git|file):\/\//.test(repo) || /^[\w.-]+@[\w.-]+:/.test(repo);
}

/** The commit a repo is at now, or 'none' when it is not a git repo. */
export async function currentCommit(repoOrTree: string): Promise<string> {
  try {
    const args = isGitUrl(repoOrTree) ? ['ls-remote', repoOrTree, 'HEAD'] : ['-C', repoOrTree, 'rev-parse', 'HEAD'];
    const { stdout } = await execFileAsync('git', args, { timeout: 30_000 });
    return stdout.trim().split(/\s+/)[0] || 'none';
  } catch {
    return 'none';
  }
}

/**
 * Turns a repo (local path or git URL) into a read-only base directory: copied or cloned, its
 * setup script run once, stamped with the format version, the commit and the time.
 */
export function createSnapshotStore(options: SnapshotStoreOptions) {
  const treeDir = (snapshot: Pick<SnapshotRef, 'id'>) => path.join(options.dir, snapshot.id, 'tree');

  async function resolveLocalRepo(repo: string): Promise<string> {
    const absolute = path.resolve(repo);
    const allowed = options.allowedRepoRoots.some((root) => absolute === root || absolute.startsWith(`${path.resolve(root)}${path.sep}`));
    if (!allowed) {
      throw new Error(`Repo path ${absolute} is outside the allowed roots (${options.allowedRepoRoots.join(', ')}); set TANDEM_REPO_ROOTS to allow it`);
    }
    const stats = await stat(absolute).catch(() => undefined);
    if (!stats?.isDirectory()) throw new Error(`Repo path ${absolute} is not a directory`);
    return absolute;
  }

  async function list(): Promise<SnapshotRef[]> {
    if (!existsSync(options.dir)) return [];
    const snapshots: SnapshotRef[] = [];
    for (const id of await readdir(options.dir)) {
      const stamp = await readFile(path.join(options.dir, id, 'stamp.json'), 'utf8').catch(() => null);
      if (!stamp) continue;
      const parsed = stampSchema.safeParse(JSON.parse(stamp));
      if (parsed.success) snapshots.push(parsed.data);
    }
    return snapshots.sort((left, right) => right.builtAtMs - left.builtAtMs);
  }

  return {
    treeDir,
    list,

    /** The newest snapshot of a repo in the current format, if any. */
    async latest(repo: string): Promise<SnapshotRef | undefined> {
      return (await list()).find((snapshot) => snapshot.repo === repo && snapshot.formatVersion === SNAPSHOT_FORMAT_VERSION);
    },

    async build(repo: string, progress: SnapshotProgress = () => {}): Promise<SnapshotRef> {
      const id = `snap_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
      const dir = path.join(options.dir, id);
      const tree = path.join(dir, 'tree');
      await mkdir(dir, { recursive: true });
      await chmod(options.dir, 0o711);
      await chmod(dir, 0o711);
      try {
        if (isGitUrl(repo)) {
          progress(`Cloning ${repo}`);
          await execFileAsync('git', ['clone', '--quiet', '--depth', '1', repo, tree], { timeout: SETUP_TIMEOUT_MS });
        } else {
          const source = await resolveLocalRepo(repo);
          progress(`Copying ${source}`);
          await cp(source, tree, { recursive: true, verbatimSymlinks: true, filter: (file) => !file.includes(`${path.sep}node_modules${path.sep}.cache`) });
        }
        // Every sandbox runs as its own uid over this tree; copy-up needs the files writable to it.
        await execFileAsync('chmod', ['-R', 'a+rwX', tree]);
        const commit = await currentCommit(tree);
        if (existsSync(path.join(tree, SETUP_SCRIPT_PATH))) {
          progress(`Running ${SETUP_SCRIPT_PATH}`);
          const result = await options.runSetup(tree, `bash ${SETUP_SCRIPT_PATH}`);
          await writeFile(path.join(dir, 'setup.log'), `${result.stdout}\n${result.stderr}`);
          if (result.exitCode !== 0) {
            const tail = `${result.stdout}\n${result.stderr}`.trim().split('\n').slice(-15).join('\n') || '(no output)';
            throw new Error(`${SETUP_SCRIPT_PATH} failed (exit ${result.exitCode ?? 'timeout'}). Last lines:\n${tail}`);
          }
          await execFileAsync('chmod', ['-R', 'a+rwX', tree]);
        }
        const snapshot: SnapshotRef = { id, repo, commit, builtAtMs: Date.now(), formatVersion: SNAPSHOT_FORMAT_VERSION };
        await writeFile(path.join(dir, 'stamp.json'), JSON.stringify(snapshot, null, 2));
        progress('Snapshot ready');
        return snapshot;
      } catch (error) {
        await rm(dir, { recursive: true, force: true });
        throw error;
      }
    },

    /**
     * Keeps a session's workspace as a snapshot of its own (labelled, so it is never taken for the
     * repo's base), from which a later session can resume.
     */
    async saveTree(sourceDir: string, label: string, commit: string): Promise<SnapshotRef> {
      const id = `snap_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
      const dir = path.join(options.dir, id);
      await mkdir(dir, { recursive: true });
      await chmod(dir, 0o711);
      try {
        await cp(sourceDir, path.join(dir, 'tree'), { recursive: true, verbatimSymlinks: true });
        await execFileAsync('chmod', ['-R', 'a+rwX', path.join(dir, 'tree')]);
        const snapshot: SnapshotRef = { id, repo: label, commit, builtAtMs: Date.now(), formatVersion: SNAPSHOT_FORMAT_VERSION };
        await writeFile(path.join(dir, 'stamp.json'), JSON.stringify(snapshot, null, 2));
        return snapshot;
      } catch (error) {
        await rm(dir, { recursive: true, force: true });
        throw error;
      }
    },

    /** A snapshot by id, if it exists in the current format. */
    async get(id: string): Promise<SnapshotRef | undefined> {
      return (await list()).find((snapshot) => snapshot.id === id && snapshot.formatVersion === SNAPSHOT_FORMAT_VERSION);
    },

    async remove(snapshot: Pick<SnapshotRef, 'id'>): Promise<void> {
      await rm(path.join(options.dir, snapshot.id), { recursive: true, force: true });
    },
  };
}
export type SnapshotStore = ReturnType<typeof createSnapshotStore>;
