import { execFileSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { chmod, chown, lstat, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { SandboxProvider, SandboxSpec } from '../provider.js';
import { buildSandboxCommand, DEFAULT_SANDBOX_LIMITS, groupFileContents, passwdFileContents, type SandboxLimits, type TmpPlacement } from './bwrap-command.js';
import { LocalSandbox } from './local-sandbox.js';
import { runProcess } from './run-process.js';
import { savedWorkspaceLabel } from '../snapshot-collection.js';
import { claimSandboxesDir, reclaimLeftoverSandboxes, type ReclaimReport } from './leftover-sandboxes.js';
import { CGROUP_ROOT, decideCgroupPlan, prepareSandboxCgroups, probeCgroups, type CgroupPlan, type SandboxCgroup, type SandboxCgroups } from './sandbox-cgroups.js';
import { SETUP_TIMEOUT_MS, type SnapshotStore } from './snapshots.js';
import { mountWorkspace, removeSandboxDir } from './workspace-mount.js';
import { listTree } from './host-files.js';
import type { NetworkPolicy } from '../../network/connection-policy.js';
import type { ProxyAttempt } from '../../network/egress-proxy.js';
import type { EgressSettings } from '../../network/egress-settings.js';
import { createSystemResolver, type HostResolver } from '../../network/host-resolver.js';
import { startSandboxNetwork, type SandboxNetwork } from '../../network/sandbox-network.js';
import { decideSetupPolicy } from '../../network/setup-hosts.js';

/** Each live sandbox runs as its own unprivileged host uid from this range. */
export const SANDBOX_UID_BASE = 64_000;
export const SANDBOX_UID_COUNT = 1_000;
/** The uid that runs snapshot setup scripts. */
export const SNAPSHOT_BUILD_UID = SANDBOX_UID_BASE + SANDBOX_UID_COUNT;

/** Node's install dir, bound read-only when it lives outside /usr so `node` works inside. */
function toolDirs(): string[] {
  return [path.dirname(path.dirname(process.execPath))];
}

/** Whether a snapshot has a toolchain folder (snapshots built before there was one have none); a link is not one. */
async function hasToolchainFolder(dir: string): Promise<boolean> {
  return (await lstat(dir).catch(() => null))?.isDirectory() ?? false;
}

/** Whether this bubblewrap can size a tmpfs (--size, bubblewrap 0.7 and later). */
function bwrapCanSizeTmpfs(): boolean {
  try {
    return execFileSync('bwrap', ['--help'], { encoding: 'utf8' }).includes('--size');
  } catch {
    return false;
  }
}

export interface LocalProviderOptions {
  /** Per-sandbox host state: <dir>/<sandboxId>/{merged,disk,disk.img,passwd,group}. */
  dir: string;
  snapshots: SnapshotStore;
  limits?: Partial<SandboxLimits>;
  /** A cgroup v2 folder (relative to the cgroup root) to hold sandbox cgroups; else the server's own, when it can. */
  cgroupParent?: string | null;
  /** Where cgroup2 is mounted (tests point it elsewhere). */
  cgroupRoot?: string;
  /** Egress: every sandbox's own namespace and proxy (see network/sandbox-network.ts). */
  network?: LocalNetworkOptions;
}

export interface LocalNetworkOptions {
  /** How the proxy resolves names; the system's, with every address checked, unless a test hands its own. */
  resolver?: HostResolver;
  /** What a tree's setup script may reach; else the registries of the ecosystems at its top level. */
  setupPolicy?(treeDir: string, repo: string | undefined): Promise<NetworkPolicy>;
  /** Every connection attempt of a setup script. */
  onSetupAttempt?(repo: string | undefined, attempt: ProxyAttempt): void;
  /** The operator's upstream proxy for allowed connections, and the hosts that bypass it (NO_PROXY). */
  upstream?: Pick<EgressSettings, 'upstreamProxy' | 'noProxy'>;
  /** The registry mirrors' settings, in every sandbox process's environment (setup's too). */
  env?: Record<string, string>;
}

/** The setup policy with nothing configured: the registries of the ecosystems the tree's top level shows. */
export async function defaultSetupPolicy(treeDir: string, configuredHosts: readonly string[] | null = null, approvedRepoHosts: readonly string[] = [], mirrorHosts: readonly string[] = []): Promise<NetworkPolicy> {
  const names = (await listTree(treeDir, '.').catch(() => [])).map((entry) => entry.path);
  return decideSetupPolicy(names, configuredHosts, approvedRepoHosts, mirrorHosts);
}

/** How this provider bounds what a sandbox uses, as decided at start-up (for the log and for tests). */
export interface LocalSandboxBounds {
  limits: SandboxLimits;
  memory: CgroupPlan;
  tmp: 'sized-tmpfs' | 'session-disk';
}

export interface SetupRunOptions {
  /** Whose setup network the script gets (the hosts that repo's setup may reach). */
  repo?: string;
  /** What the script gets in its environment (the secrets the repo names for setup), never in argv. */
  env?: Record<string, string>;
  /** The snapshot's toolchain folder, writable at SANDBOX_TOOLS_DIR while the script runs. */
  toolsDir?: string;
}

export type LocalSandboxProvider = SandboxProvider & {
  runSetup(treeDir: string, script: string, options?: SetupRunOptions): ReturnType<typeof runProcess>;
  bounds(): Promise<LocalSandboxBounds>;
  /** Ids of the snapshots live sandboxes have mounted (the lower layer of their workspace): never to be deleted. */
  snapshotsInUse(): ReadonlySet<string>;
  /**
   * Takes back what a server that died without cleaning up left in the sandboxes folder (mounts,
   * workspaces). Refused, touching nothing, while another live server owns the folder.
   */
  reclaim(): Promise<ReclaimReport | { refused: string }>;
};

export function createLocalSandboxProvider(options: LocalProviderOptions): LocalSandboxProvider {
  const limits: SandboxLimits = { ...DEFAULT_SANDBOX_LIMITS, ...options.limits };
  const usedUids = new Set<number>();
  /** sandbox id → the snapshot its workspace is mounted on, from before the mount until the sandbox is gone. */
  const mountedSnapshots = new Map<string, string>();
  const sizedTmpfs = bwrapCanSizeTmpfs();
  const cgroupRoot = options.cgroupRoot ?? CGROUP_ROOT;
  // Decided once, on first use: per-sandbox cgroups when the host allows, else per-process bounds.
  let cgroupSetup: Promise<{ plan: CgroupPlan; cgroups: SandboxCgroups | null }> | null = null;
  const cgroups = () =>
    (cgroupSetup ??= (async () => {
      const plan = decideCgroupPlan(await probeCgroups(cgroupRoot, options.cgroupParent ?? null));
      if (plan.kind !== 'cgroups') return { plan, cgroups: null };
      try {
        return { plan, cgroups: await prepareSandboxCgroups(plan, cgroupRoot) };
      } catch (error) {
        return { plan: { kind: 'per-process', reason: `the cgroup ${plan.parentPath} could not be prepared (${(error as Error).message}); sandboxes are bounded per process instead.` } as const, cgroups: null };
      }
    })());
  const sandboxCgroup = async (name: string): Promise<SandboxCgroup | null> => {
    const { cgroups: manager } = await cgroups();
    return manager ? manager.create(name, { memoryBytes: limits.memoryBytes, processes: limits.processes }) : null;
  };
  const tmpPlacement = (scratchDir: string): TmpPlacement => (sizedTmpfs ? { kind: 'sized-tmpfs' } : { kind: 'disk', hostDir: scratchDir });
  const resolver = options.network?.resolver ?? createSystemResolver();

  // Each provider starts at a random place in the range: two servers (or test files) on one host
  // then rarely hand out the same uid, which would let their sandboxes signal each other's processes.
  const firstOffset = randomInt(SANDBOX_UID_COUNT);
  function allocateUid(): number {
    for (let step = 0; step < SANDBOX_UID_COUNT; step += 1) {
      const uid = SANDBOX_UID_BASE + ((firstOffset + step) % SANDBOX_UID_COUNT);
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
      mountedSnapshots.set(id, spec.snapshot.id);
      let cgroup: SandboxCgroup | null = null;
      let network: SandboxNetwork | null = null;
      try {
        const files = await identityFiles(sandboxDir, uid);
        cgroup = await sandboxCgroup(id);
        const workspace = await mountWorkspace({ snapshotTreeDir: options.snapshots.treeDir(spec.snapshot), sandboxDir, uid, diskBytes: limits.workspaceBytes });
        const tmp = tmpPlacement(workspace.scratchDir ?? path.join(sandboxDir, 'tmp'));
        if (tmp.kind === 'disk') await mkdir(tmp.hostDir, { recursive: true }).then(() => chown(tmp.hostDir, uid, uid));
        const toolsDir = options.snapshots.toolsDir(spec.snapshot);
        const tools = (await hasToolchainFolder(toolsDir)) ? { hostDir: toolsDir, writable: false } : undefined;
        const base = { uid, ...files, limits, extraReadOnlyDirs: toolDirs(), tmp, cgroupProcsFile: cgroup?.procsFile, tools };
        // Reaches nothing until the session sets its policy (a warm sandbox has no session yet).
        network = await startSandboxNetwork({ dir: path.join(sandboxDir, 'net'), command: base, resolver, upstream: options.network?.upstream, env: options.network?.env });
        const ownCgroup = cgroup;
        const ownNetwork = network;
        return new LocalSandbox({
          id,
          uid,
          workspace,
          command: { ...base, networkNamespace: network.namespacePath, networkEnv: network.env },
          network,
          saveSnapshot: (treeDir) => options.snapshots.saveTree(treeDir, savedWorkspaceLabel(spec.sessionId), spec.snapshot.commit, tools?.hostDir),
          release: async () => {
            await ownNetwork.close().catch(() => {});
            await ownCgroup?.remove().catch(() => {});
            await removeSandboxDir(sandboxDir);
            usedUids.delete(uid);
            mountedSnapshots.delete(id);
          },
        });
      } catch (error) {
        await network?.close().catch(() => {});
        await cgroup?.remove().catch(() => {});
        usedUids.delete(uid);
        await removeSandboxDir(sandboxDir);
        mountedSnapshots.delete(id);
        throw error;
      }
    },

    /**
     * Runs a snapshot's setup script isolated like a session. Its network is its own too: it reaches
     * only what the setup policy names (package registries by default), through the egress proxy.
     */
    async runSetup(treeDir: string, script: string, { repo, env: scriptEnv = {}, toolsDir }: SetupRunOptions = {}) {
      const dir = path.join(options.dir, `setup_${randomBytes(4).toString('hex')}`);
      await mkdir(dir, { recursive: true });
      await chmod(options.dir, 0o711);
      await chmod(dir, 0o711);
      let cgroup: SandboxCgroup | null = null;
      let network: SandboxNetwork | null = null;
      try {
        const files = await identityFiles(dir, SNAPSHOT_BUILD_UID);
        cgroup = await sandboxCgroup(path.basename(dir));
        const tmp = tmpPlacement(path.join(dir, 'tmp'));
        if (tmp.kind === 'disk') await mkdir(tmp.hostDir, { recursive: true }).then(() => chown(tmp.hostDir, SNAPSHOT_BUILD_UID, SNAPSHOT_BUILD_UID));
        const tools = toolsDir ? { hostDir: toolsDir, writable: true } : undefined;
        const base = { uid: SNAPSHOT_BUILD_UID, ...files, limits, extraReadOnlyDirs: toolDirs(), tmp, cgroupProcsFile: cgroup?.procsFile, tools };
        const policy = await (options.network?.setupPolicy ?? ((tree: string) => defaultSetupPolicy(tree)))(treeDir, repo);
        network = await startSandboxNetwork({ dir: path.join(dir, 'net'), command: base, resolver, policy, upstream: options.network?.upstream, env: options.network?.env });
        const refusals: string[] = [];
        network.onAttempt((attempt) => {
          options.network?.onSetupAttempt?.(repo, attempt);
          if (!attempt.allowed) refusals.push(`tandem: the network policy refused ${attempt.host}:${attempt.port} (${attempt.reason})`);
        });
        const { file, args, env } = buildSandboxCommand(
          { ...base, workspaceHostDir: treeDir, networkNamespace: network.namespacePath, networkEnv: network.env, env: scriptEnv, newSession: true },
          ['bash', '-c', script],
        );
        const result = await runProcess(file, args, { timeoutMs: SETUP_TIMEOUT_MS, env });
        // What was refused ends the log, where whoever reads why setup failed looks first.
        return refusals.length === 0 ? result : { ...result, stderr: `${result.stderr}${result.stderr.endsWith('\n') || result.stderr === '' ? '' : '\n'}${refusals.join('\n')}\n` };
      } finally {
        await network?.close().catch(() => {});
        await cgroup?.remove().catch(() => {});
        await removeSandboxDir(dir);
      }
    },

    snapshotsInUse: () => new Set(mountedSnapshots.values()),

    async reclaim() {
      const claim = await claimSandboxesDir(options.dir);
      if (!claim.claimed) return { refused: `another Tandem server (pid ${claim.ownerPid}) uses ${options.dir}; its sandboxes are left alone` };
      return reclaimLeftoverSandboxes(options.dir, new Set(mountedSnapshots.keys()));
    },

    async bounds() {
      return { limits, memory: (await cgroups()).plan, tmp: sizedTmpfs ? 'sized-tmpfs' : 'session-disk' };
    },
  };
}
