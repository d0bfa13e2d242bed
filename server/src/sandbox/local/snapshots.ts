import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, lstat, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { z } from 'zod';
import { DETECTED_SETUP_FILE, DETECTED_SETUP_VARIABLE, detectedSetupScript, runRepoSetup } from '../../environment/setup/run-setup-plan.js';
import { detectSteps } from '../../environment/setup/setup-plan.js';
import { SANDBOX_TOOLS_DIR } from './bwrap-command.js';
import type { ExecResult, SnapshotRef } from '../provider.js';
import { LOCAL_GIT_PROTOCOLS, parseRepoReference, REMOTE_GIT_PROTOCOLS, resolveRepo, type RepoPolicy } from '../repo-location.js';
import { copyTreeNoFollow, shareTreeNoFollow } from './no-follow-tree.js';
import { bundleSince, type RepoBundle } from './repo-bundle.js';
import { buildLogTail, SnapshotBuildError } from '../snapshot-build-error.js';

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
  /** Where snapshots live: <dir>/<id>/{tree,tools,stamp.json,setup.log}. */
  dir: string;
  /**
   * Runs the setup script with the tree as the workspace (its network: the setup policy of `repo`)
   * and the toolchain folder writable at SANDBOX_TOOLS_DIR.
   */
  runSetup(treeDir: string, script: string, repo: string, toolsDir: string): Promise<ExecResult>;
  /** Local repo paths must lie under one of these (the server must not snapshot arbitrary host files). */
  allowedRepoRoots: string[];
  /**
   * Folders that hold server state: the data dir (the store with the identity signing key, other
   * sessions' workspaces). No repo may be, hold or lie inside one; `dir` itself is always protected.
   */
  protectedDirs: string[];
}

/** git never prompts (there is no one to answer) and uses only the transports named. */
const gitEnvironment = (protocols: string) => ({ ...process.env, GIT_ALLOW_PROTOCOL: protocols, GIT_TERMINAL_PROMPT: '0' });
const GIT_TIMEOUT_MS = 30_000;

/** The commit a repo is at now, or 'none' when it is not a git repo (or not one the server may ask). */
export async function currentCommit(repoOrTree: string): Promise<string> {
  const reference = parseRepoReference(repoOrTree, process.cwd());
  try {
    switch (reference.kind) {
      case 'refused':
        return 'none';
      case 'remote': {
        const { stdout } = await execFileAsync('git', ['ls-remote', '--', reference.url, 'HEAD'], { timeout: GIT_TIMEOUT_MS, env: gitEnvironment(REMOTE_GIT_PROTOCOLS) });
        return stdout.trim().split(/\s+/)[0] || 'none';
      }
      case 'local': {
        // Repo content is hostile: its config must not get git to run a command for this read.
        const { stdout } = await execFileAsync('git', ['-c', 'core.fsmonitor=false', '-C', reference.path, 'rev-parse', '--verify', 'HEAD'], {
          timeout: GIT_TIMEOUT_MS,
          env: gitEnvironment(LOCAL_GIT_PROTOCOLS),
        });
        return stdout.trim() || 'none';
      }
      default:
        return reference satisfies never;
    }
  } catch {
    return 'none';
  }
}

/** Whether the tree has a setup script: a real folder and a real file, never a link out of the tree. */
async function hasSetupScript(tree: string): Promise<boolean> {
  const folder = await lstat(path.join(tree, path.dirname(SETUP_SCRIPT_PATH))).catch(() => null);
  if (!folder?.isDirectory()) return false;
  const script = await lstat(path.join(tree, SETUP_SCRIPT_PATH)).catch(() => null);
  return script?.isFile() ?? false;
}

/** node_modules/.cache is rebuilt by the tools that use it; copying it only costs time. */
const skipCaches = (relativePath: string) => `/${relativePath}/`.includes('/node_modules/.cache/');

/**
 * Turns a repo (local path or git URL) into a read-only base directory: copied or cloned, its
 * setup script run once, stamped with the format version, the commit and the time.
 */
export function createSnapshotStore(options: SnapshotStoreOptions) {
  const treeDir = (snapshot: Pick<SnapshotRef, 'id'>) => path.join(options.dir, snapshot.id, 'tree');
  /** What setup fetched beside the repo's files (see SANDBOX_TOOLS_DIR); read-only in sessions. */
  const toolsDir = (snapshot: Pick<SnapshotRef, 'id'>) => path.join(options.dir, snapshot.id, 'tools');
  const policy: RepoPolicy = { roots: options.allowedRepoRoots, protectedDirs: [...options.protectedDirs, options.dir] };

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
    toolsDir,
    list,

    /** The repo's commits since `fromCommit`, for a running session to update to (local repos only: a remote one is cloned by each new snapshot). */
    async bundleSince(repo: string, fromCommit: string): Promise<RepoBundle> {
      const source = await resolveRepo(repo, policy);
      if (source.kind !== 'local') return { kind: 'refused', reason: `a running session is updated from repos on this server's disk; for ${repo}, start a new session` };
      return bundleSince(source.realPath, fromCommit);
    },

    /** Throws RepoRefusedError (saying what is allowed) when the server may not snapshot this repo. */
    async checkRepo(repo: string): Promise<void> {
      await resolveRepo(repo, policy);
    },

    /** The newest snapshot of a repo in the current format, if any. */
    async latest(repo: string): Promise<SnapshotRef | undefined> {
      return (await list()).find((snapshot) => snapshot.repo === repo && snapshot.formatVersion === SNAPSHOT_FORMAT_VERSION);
    },

    async build(repo: string, progress: SnapshotProgress = () => {}): Promise<SnapshotRef> {
      const id = `snap_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
      const dir = path.join(options.dir, id);
      const tree = path.join(dir, 'tree');
      const tools = path.join(dir, 'tools');
      // Checked here, at the moment of copying, whatever was checked before: a repo can change.
      const source = await resolveRepo(repo, policy);
      await mkdir(dir, { recursive: true });
      await chmod(options.dir, 0o711);
      await chmod(dir, 0o711);
      try {
        // Every sandbox runs as its own uid over this tree; copy-up needs the files writable to it
        // (a+rwX), given without ever following a link out of the tree.
        switch (source.kind) {
          case 'remote':
            progress(`Cloning ${source.url}`);
            await execFileAsync('git', ['clone', '--quiet', '--depth', '1', '--', source.url, tree], { timeout: SETUP_TIMEOUT_MS, env: gitEnvironment(REMOTE_GIT_PROTOCOLS) });
            await shareTreeNoFollow(tree);
            break;
          case 'local':
            if (source.form === 'file-url') {
              // The checked real path, not the URL: git then reads exactly the folder that was checked.
              progress(`Cloning ${source.realPath}`);
              await execFileAsync('git', ['clone', '--quiet', '--no-local', '--depth', '1', '--', source.realPath, tree], {
                timeout: SETUP_TIMEOUT_MS,
                env: gitEnvironment(LOCAL_GIT_PROTOCOLS),
              });
              await shareTreeNoFollow(tree);
            } else {
              progress(`Copying ${source.realPath}`);
              await copyTreeNoFollow(source.realPath, tree, { skip: skipCaches });
            }
            break;
          default:
            source satisfies never;
        }
        // Like with like: the commit the rebuild check will read from the repo later. A copied folder
        // inside a checkout has no .git of its own, so its tree would say 'none' while the repo says HEAD.
        const commit = source.kind === 'local' && source.form !== 'file-url' ? await currentCommit(source.realPath) : await currentCommit(tree);
        // Written by the setup sandbox's uid, as the tree is.
        await mkdir(tools);
        await chmod(tools, 0o777);
        const runSetup = (treeDir: string, script: string, setupRepo: string) => options.runSetup(treeDir, script, setupRepo, tools);
        if (await hasSetupScript(tree)) {
          progress(`Running ${SETUP_SCRIPT_PATH}`);
          // The repo's own file replaces detection, and can call it.
          await writeFile(path.join(tools, DETECTED_SETUP_FILE), detectedSetupScript(await detectSteps(tree)), { mode: 0o755 });
          const script = `${DETECTED_SETUP_VARIABLE}=${SANDBOX_TOOLS_DIR}/${DETECTED_SETUP_FILE} bash ${SETUP_SCRIPT_PATH}`;
          const result = await options.runSetup(tree, script, repo, tools).finally(() => rm(path.join(tools, DETECTED_SETUP_FILE), { force: true }));
          await writeFile(path.join(dir, 'setup.log'), `${result.stdout}\n${result.stderr}`);
          if (result.exitCode !== 0) {
            throw new SnapshotBuildError(`${SETUP_SCRIPT_PATH} failed (exit ${result.exitCode ?? 'timeout'})`, buildLogTail(`${result.stdout}\n${result.stderr}`));
          }
          await shareTreeNoFollow(tree);
        } else if (await runRepoSetup({ tree, snapshotDir: dir, repo, runSetup, progress })) {
          // No setup file: the environment files the team keeps, else the installs detected from the repo.
          await shareTreeNoFollow(tree);
        }
        // Every session's uid reads it (mounted read-only); nothing in it is followed out of the folder.
        await shareTreeNoFollow(tools);
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
    async saveTree(sourceDir: string, label: string, commit: string, toolsFrom?: string): Promise<SnapshotRef> {
      const id = `snap_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
      const dir = path.join(options.dir, id);
      await mkdir(dir, { recursive: true });
      await chmod(dir, 0o711);
      try {
        // The sandbox may still be running and swapping folders for links: nothing is followed.
        await copyTreeNoFollow(sourceDir, path.join(dir, 'tree'));
        // The session's package managers and caches come along: a resumed session has what it had.
        if (toolsFrom) await copyTreeNoFollow(toolsFrom, path.join(dir, 'tools'));
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

    /** Deletes snapshot folders that never got their stamp (a build cut off by a crash); only at start-up, when nothing builds. */
    async removeUnfinished(): Promise<number> {
      let removed = 0;
      for (const id of await readdir(options.dir).catch(() => [] as string[])) {
        if (!id.startsWith('snap_') || existsSync(path.join(options.dir, id, 'stamp.json'))) continue;
        await rm(path.join(options.dir, id), { recursive: true, force: true });
        removed += 1;
      }
      return removed;
    },

    async remove(snapshot: Pick<SnapshotRef, 'id'>): Promise<void> {
      await rm(path.join(options.dir, snapshot.id), { recursive: true, force: true });
    },
  };
}
export type SnapshotStore = ReturnType<typeof createSnapshotStore>;
