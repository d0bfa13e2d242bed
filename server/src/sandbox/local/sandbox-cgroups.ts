import { existsSync } from 'node:fs';
import { mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Per-sandbox cgroups (v2): one cgroup per sandbox under a parent the server manages, with memory.max
 * (swap off), pids.max and, where the cpu controller is there, a cpu.weight below the server's. They
 * bound a sandbox as a whole, however many processes (or sessions, or shared memory) it makes. Where
 * cgroups v2 cannot be used, the sandbox is bounded per process instead (see buildSandboxCommand),
 * and `decideCgroupPlan` says why.
 */

export const CGROUP_ROOT = '/sys/fs/cgroup';
/** The leaf the server moves itself into when its own cgroup must become the sandboxes' parent. */
export const SERVER_LEAF_NAME = 'tandem-server';
const REQUIRED_CONTROLLERS = ['memory', 'pids'] as const;
/**
 * A sandbox's CPU share against its siblings: the server's own leaf keeps the default 100, so however
 * busy every sandbox is, the server (terminals, sync, /api) gets four times a sandbox's share.
 */
export const SANDBOX_CPU_WEIGHT = 25;
/** How long removing a sandbox's cgroup waits for its last processes to die. */
const REMOVE_TIMEOUT_MS = 5_000;

export interface CgroupProbe {
  /** cgroup2 is mounted at the root (cgroup.controllers exists there), not v1 or a hybrid. */
  unified: boolean;
  /** The server's own cgroup, from /proc/self/cgroup ("0::/path"), if any. */
  ownPath: string | null;
  /** A parent the administrator named (TANDEM_SANDBOX_CGROUP), relative to the root. */
  configuredPath: string | null;
  /** Controllers the candidate parent can hand to its children (its cgroup.controllers). */
  controllers: string[];
}

export type CgroupPlan = { kind: 'cgroups'; parentPath: string; controllers: string[] } | { kind: 'per-process'; reason: string };

/** Whether per-sandbox cgroups can be used, and under which parent (pure: the probe holds everything it needs). */
export function decideCgroupPlan(probe: CgroupProbe): CgroupPlan {
  const advice = 'Sandboxes are bounded per process instead. For a bound on each sandbox as a whole, run the server on cgroups v2 with a delegated cgroup (systemd: Delegate=yes), or set TANDEM_SANDBOX_CGROUP to a cgroup v2 folder it may manage.';
  if (!probe.unified) return { kind: 'per-process', reason: `cgroups v2 is not mounted at ${CGROUP_ROOT} (this host uses v1 or a hybrid). ${advice}` };
  const parentPath = probe.configuredPath ?? probe.ownPath;
  if (parentPath === null) return { kind: 'per-process', reason: `the server's cgroup is unknown (no "0::" line in /proc/self/cgroup). ${advice}` };
  const missing = REQUIRED_CONTROLLERS.filter((controller) => !probe.controllers.includes(controller));
  if (missing.length > 0) return { kind: 'per-process', reason: `the cgroup ${parentPath} cannot hand out the ${missing.join(' and ')} controller${missing.length > 1 ? 's' : ''}. ${advice}` };
  return { kind: 'cgroups', parentPath, controllers: ['memory', 'pids', ...(probe.controllers.includes('cpu') ? ['cpu'] : [])] };
}

export async function probeCgroups(root = CGROUP_ROOT, configuredPath: string | null = null): Promise<CgroupProbe> {
  const unified = existsSync(path.join(root, 'cgroup.controllers'));
  const self = await readFile('/proc/self/cgroup', 'utf8').catch(() => '');
  const ownPath = self.split('\n').find((line) => line.startsWith('0::'))?.slice(3).trim() || null;
  const candidate = configuredPath ?? ownPath;
  const controllers = unified && candidate !== null ? await readWords(path.join(root, candidate, 'cgroup.controllers')) : [];
  return { unified, ownPath, configuredPath, controllers };
}

async function readWords(file: string): Promise<string[]> {
  return (await readFile(file, 'utf8').catch(() => '')).split(/\s+/).filter(Boolean);
}

export interface SandboxCgroupLimits {
  memoryBytes: number;
  processes: number;
}

export interface SandboxCgroup {
  /** The cgroup.procs file a sandbox's first process writes its pid into. */
  procsFile: string;
  /** Kills whatever still runs in it, then removes it. */
  remove(): Promise<void>;
}

export interface SandboxCgroups {
  create(name: string, limits: SandboxCgroupLimits): Promise<SandboxCgroup>;
}

/**
 * Makes `plan.parentPath` able to hold sandbox cgroups: its children get the controllers. A cgroup with
 * processes in it cannot hand out controllers (cgroups v2's "no internal processes" rule), so when
 * the parent is the server's own cgroup, its processes move into a leaf of their own first.
 */
export async function prepareSandboxCgroups(plan: Extract<CgroupPlan, { kind: 'cgroups' }>, root = CGROUP_ROOT): Promise<SandboxCgroups> {
  const parentDir = path.join(root, plan.parentPath);
  const enable = plan.controllers.map((controller) => `+${controller}`).join(' ');
  const enabled = await readWords(path.join(parentDir, 'cgroup.subtree_control'));
  if (!plan.controllers.every((controller) => enabled.includes(controller))) {
    try {
      await writeFile(path.join(parentDir, 'cgroup.subtree_control'), enable);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EBUSY') throw error;
      const leaf = path.join(parentDir, SERVER_LEAF_NAME);
      await mkdir(leaf, { recursive: true });
      for (const pid of await readWords(path.join(parentDir, 'cgroup.procs'))) {
        await writeFile(path.join(leaf, 'cgroup.procs'), pid).catch(() => {});
      }
      await writeFile(path.join(parentDir, 'cgroup.subtree_control'), enable);
    }
  }
  return {
    async create(name, limits) {
      const dir = path.join(parentDir, name);
      await mkdir(dir);
      await writeFile(path.join(dir, 'memory.max'), String(limits.memoryBytes));
      // No swap: the memory bound is the memory bound. (Absent when the kernel does not account swap.)
      await writeFile(path.join(dir, 'memory.swap.max'), '0').catch(() => {});
      await writeFile(path.join(dir, 'pids.max'), String(limits.processes));
      if (plan.controllers.includes('cpu')) await writeFile(path.join(dir, 'cpu.weight'), String(SANDBOX_CPU_WEIGHT));
      return { procsFile: path.join(dir, 'cgroup.procs'), remove: () => removeCgroup(dir) };
    },
  };
}

async function removeCgroup(dir: string): Promise<void> {
  // cgroup.kill (Linux 5.14+) kills every process in it at once.
  await writeFile(path.join(dir, 'cgroup.kill'), '1').catch(() => {});
  const deadline = Date.now() + REMOVE_TIMEOUT_MS;
  for (;;) {
    try {
      await rmdir(dir);
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (code !== 'EBUSY' || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
