import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { SandboxProvider, SandboxSpec } from '../provider.js';
import { buildSandboxCommand, DEFAULT_SANDBOX_LIMITS, groupFileContents, passwdFileContents, type SandboxLimits } from './bwrap-command.js';
import { LocalSandbox } from './local-sandbox.js';
import { runProcess } from './run-process.js';
import { SETUP_TIMEOUT_MS, type SnapshotStore } from './snapshots.js';
import { mountWorkspace, removeSandboxDir } from './workspace-mount.js';

/** Each live sandbox runs as its own unprivileged host uid from this range. */
export const SANDBOX_UID_BASE = 64_000;
export const SANDBOX_UID_COUNT = 1_000;
/** The uid that runs snapshot setup scripts. */
export const SNAPSHOT_BUILD_UID = SANDBOX_UID_BASE + SANDBOX_UID_COUNT;

const REQUIRED_TOOLS = [
  { command: 'bwrap', debianPackage: 'bubblewrap' },
  { command: 'setpriv', debianPackage: 'util-linux' },
  { command: 'prlimit', debianPackage: 'util-linux' },
];

/** Fails start-up with the package to install when a tool the local sandbox needs is missing. */
export function checkLocalSandboxTools(): void {
  const missing = REQUIRED_TOOLS.filter(({ command }) => {
    try {
      execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length > 0) {
    const list = missing.map(({ command, debianPackage }) => `${command} (apt-get install ${debianPackage})`).join(', ');
    throw new Error(`The local sandbox needs ${list}. Install them, or set TANDEM_SANDBOX=e2b.`);
  }
}

/** Node's install dir, bound read-only when it lives outside /usr so `node` works inside. */
function toolDirs(): string[] {
  return [path.dirname(path.dirname(process.execPath))];
}

export interface LocalProviderOptions {
  /** Per-sandbox host state: <dir>/<sandboxId>/{merged,upper,work,passwd,group}. */
  dir: string;
  snapshots: SnapshotStore;
  limits?: SandboxLimits;
}

export function createLocalSandboxProvider(options: LocalProviderOptions): SandboxProvider & { runSetup(treeDir: string, script: string): ReturnType<typeof runProcess> } {
  const limits = options.limits ?? DEFAULT_SANDBOX_LIMITS;
  const usedUids = new Set<number>();

  function allocateUid(): number {
    for (let offset = 0; offset < SANDBOX_UID_COUNT; offset += 1) {
      const uid = SANDBOX_UID_BASE + offset;
      if (!usedUids.has(uid)) {
        usedUids.add(uid);
        return uid;
      }
    }
    throw new Error(`All ${SANDBOX_UID_COUNT} sandbox uids are in use; close some sessions`);
  }

  async function identityFiles(dir: string, uid: number) {
    const passwdFile = path.join(dir, 'passwd');
    const groupFile = path.join(dir, 'group');
    await writeFile(passwdFile, passwdFileContents(uid));
    await writeFile(groupFile, groupFileContents(uid));
    return { passwdFile, groupFile };
  }

  return {
    name: 'local',
    capabilities: { snapshots: true, pause: false, network: true },

    async create(spec: SandboxSpec) {
      const id = `sbx_${randomBytes(6).toString('hex')}`;
      const sandboxDir = path.join(options.dir, id);
      await mkdir(sandboxDir, { recursive: true });
      // Sandbox uids must reach the paths bubblewrap binds, but need not list them.
      await chmod(options.dir, 0o711);
      await chmod(sandboxDir, 0o711);
      const uid = allocateUid();
      try {
        const files = await identityFiles(sandboxDir, uid);
        const workspace = await mountWorkspace({ snapshotTreeDir: options.snapshots.treeDir(spec.snapshot), sandboxDir, uid });
        return new LocalSandbox({
          id,
          uid,
          workspace,
          command: { uid, ...files, network: spec.network ?? false, limits, extraReadOnlyDirs: toolDirs() },
          saveSnapshot: (treeDir) => options.snapshots.saveTree(treeDir, `session:${spec.sessionId}`, spec.snapshot.commit),
          release: async () => {
            await removeSandboxDir(sandboxDir);
            usedUids.delete(uid);
          },
        });
      } catch (error) {
        usedUids.delete(uid);
        await removeSandboxDir(sandboxDir);
        throw error;
      }
    },

    /** Runs a snapshot's setup script isolated like a session, but with network (it installs things). */
    async runSetup(treeDir: string, script: string) {
      const dir = path.join(options.dir, `setup_${randomBytes(4).toString('hex')}`);
      await mkdir(dir, { recursive: true });
      await chmod(options.dir, 0o711);
      await chmod(dir, 0o711);
      try {
        const files = await identityFiles(dir, SNAPSHOT_BUILD_UID);
        const { file, args } = buildSandboxCommand(
          { uid: SNAPSHOT_BUILD_UID, ...files, workspaceHostDir: treeDir, network: true, limits, env: {}, newSession: true, extraReadOnlyDirs: toolDirs() },
          ['bash', '-c', script],
        );
        return await runProcess(file, args, { timeoutMs: SETUP_TIMEOUT_MS });
      } finally {
        await removeSandboxDir(dir);
      }
    },
  };
}
