import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalSandboxHarness } from '../../../test-support/local-sandbox.js';
import { createLocalSandboxProvider } from './local-provider.js';
import { decideCgroupPlan, SANDBOX_CPU_WEIGHT, type CgroupProbe } from './sandbox-cgroups.js';

const MIB = 1024 * 1024;
const probe = (overrides: Partial<CgroupProbe>): CgroupProbe => ({ unified: true, ownPath: '/system.slice/tandem.service', configuredPath: null, controllers: ['cpu', 'memory', 'pids'], ...overrides });

describe('deciding how sandboxes are bounded', () => {
  it('uses per-sandbox cgroups under the server’s own cgroup, or the one configured, when v2 hands out memory and pids', () => {
    expect(decideCgroupPlan(probe({}))).toEqual({ kind: 'cgroups', parentPath: '/system.slice/tandem.service', controllers: ['memory', 'pids', 'cpu'] });
    expect(decideCgroupPlan(probe({ configuredPath: '/tandem.slice', controllers: ['memory', 'pids'] }))).toEqual({ kind: 'cgroups', parentPath: '/tandem.slice', controllers: ['memory', 'pids'] });
  });

  it('falls back to per-process bounds, saying why and what to do, on v1 or hybrid hosts and without the controllers', () => {
    const hybrid = decideCgroupPlan(probe({ unified: false }));
    expect(hybrid).toMatchObject({ kind: 'per-process' });
    expect(hybrid.kind === 'per-process' && hybrid.reason).toMatch(/v1 or a hybrid.*Delegate=yes.*TANDEM_SANDBOX_CGROUP/);
    const noPids = decideCgroupPlan(probe({ controllers: ['memory'] }));
    expect(noPids.kind === 'per-process' && noPids.reason).toMatch(/cannot hand out the pids controller/);
    expect(decideCgroupPlan(probe({ ownPath: null }))).toMatchObject({ kind: 'per-process' });
  });
});

/**
 * The kernel side cannot be exercised on a host without cgroups v2 (this one mounts v1); a folder
 * standing in for /sys/fs/cgroup shows what the server writes there, and that a real sandbox's first
 * process enters its cgroup before anything of the sandbox runs.
 */
describe('per-sandbox cgroups, on a stand-in cgroup folder', () => {
  let harness: Awaited<ReturnType<typeof createLocalSandboxHarness>>;
  let root: string;
  beforeAll(async () => {
    harness = await createLocalSandboxHarness();
    root = path.join(harness.dir, 'cgroup-root');
    await mkdir(path.join(root, 'tandem'), { recursive: true });
    await writeFile(path.join(root, 'cgroup.controllers'), 'cpu memory pids\n');
    await writeFile(path.join(root, 'tandem', 'cgroup.controllers'), 'cpu memory pids\n');
    await writeFile(path.join(root, 'tandem', 'cgroup.subtree_control'), '');
  });
  afterAll(() => harness.dispose());

  it('writes each sandbox’s limits, and the sandbox enters its cgroup (and drops the per-process memory bound)', async () => {
    const provider = createLocalSandboxProvider({
      dir: path.join(harness.dir, 'cgroup-sandboxes'),
      snapshots: harness.snapshots,
      limits: { memoryBytes: 300 * MIB, processes: 99 },
      cgroupRoot: root,
      cgroupParent: '/tandem',
    });
    expect((await provider.bounds()).memory).toEqual({ kind: 'cgroups', parentPath: '/tandem', controllers: ['memory', 'pids', 'cpu'] });
    const sandbox = await provider.create({ sessionId: 'cgroups', snapshot: harness.snapshot });
    try {
      expect(await readFile(path.join(root, 'tandem', 'cgroup.subtree_control'), 'utf8')).toBe('+memory +pids +cpu');
      const cgroup = path.join(root, 'tandem', sandbox.id);
      const read = (file: string) => readFile(path.join(cgroup, file), 'utf8');
      expect({ memory: await read('memory.max'), swap: await read('memory.swap.max'), pids: await read('pids.max'), cpu: await read('cpu.weight') }).toEqual({
        memory: String(300 * MIB),
        swap: '0',
        pids: '99',
        cpu: String(SANDBOX_CPU_WEIGHT),
      });
      const limits = await sandbox.exec('grep "Max data size" /proc/self/limits');
      expect(limits.stdout, JSON.stringify(limits)).toMatch(/unlimited/);
      expect((await read('cgroup.procs')).trim()).toMatch(/^\d+$/);
    } finally {
      await sandbox.close();
    }
  });
});
