import { describe, expect, it } from 'vitest';
import { LOCAL_SANDBOX_TOOLS } from '../sandbox/local/sandbox-tools.js';
import { decideInstallPlan, decideManualFix, type HostFacts } from './install-plan.js';

const tool = (command: string) => LOCAL_SANDBOX_TOOLS.find((candidate) => candidate.command === command)!;
/** A fresh Debian machine without bubblewrap, as a user with no sudo rights. */
const fresh: HostFacts = { platform: 'linux', missing: [tool('bwrap')], isRoot: false, passwordlessSudo: false, packageManager: 'apt-get' };

describe('decideInstallPlan', () => {
  it('does nothing when every tool is there', () => {
    expect(decideInstallPlan({ ...fresh, missing: [] })).toEqual({ kind: 'ready' });
  });

  it('as root, updates the package lists and installs exactly the missing packages, once each', () => {
    const plan = decideInstallPlan({ ...fresh, isRoot: true, missing: [tool('bwrap'), tool('setpriv'), tool('prlimit')] });
    expect(plan.kind).toBe('install');
    if (plan.kind !== 'install') return;
    expect(plan.packages).toEqual(['bubblewrap', 'util-linux']);
    expect(plan.steps.map((step) => step.argv)).toEqual([
      ['env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'update'],
      ['env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'install', '-y', '--no-install-recommends', 'bubblewrap', 'util-linux'],
    ]);
  });

  it('with passwordless sudo, runs each step through sudo -n (never a password prompt)', () => {
    const plan = decideInstallPlan({ ...fresh, passwordlessSudo: true });
    expect(plan.kind === 'install' && plan.steps.every((step) => step.argv.slice(0, 2).join(' ') === 'sudo -n')).toBe(true);
  });

  it('without root or passwordless sudo, installs nothing and says the one command to run', () => {
    expect(decideInstallPlan(fresh)).toEqual({
      kind: 'manual',
      fix: { reason: expect.stringContaining('bwrap'), command: 'sudo apt-get install -y bubblewrap', blocksSandboxes: true },
    });
  });

  it('uses dnf and its package names on Fedora', () => {
    const plan = decideInstallPlan({ ...fresh, packageManager: 'dnf', isRoot: true, missing: [tool('mount')] });
    expect(plan.kind === 'install' && plan.steps.map((step) => step.argv)).toEqual([['dnf', 'install', '-y', 'util-linux']]);
  });

  it('without a known package manager, names the packages and gives no command to guess at', () => {
    const plan = decideInstallPlan({ ...fresh, isRoot: true, packageManager: null });
    expect(plan).toMatchObject({ kind: 'manual', fix: { command: null, reason: expect.stringContaining('bubblewrap') } });
  });

  it('off Linux, points at e2b: no package makes local sandboxes work there', () => {
    expect(decideInstallPlan({ ...fresh, platform: 'darwin', isRoot: true })).toMatchObject({ kind: 'manual', fix: { command: null, reason: expect.stringContaining('TANDEM_SANDBOX=e2b') } });
  });
});

describe('decideManualFix', () => {
  it('as root the command needs no sudo', () => {
    expect(decideManualFix({ ...fresh, isRoot: true })?.command).toBe('apt-get install -y bubblewrap');
  });

  it('a missing recommended tool does not block sandboxes, and says what the server does instead', () => {
    const fix = decideManualFix({ ...fresh, missing: [tool('mkfs.ext4')] });
    expect(fix).toMatchObject({ blocksSandboxes: false, command: 'sudo apt-get install -y e2fsprogs' });
    expect(fix?.reason).toContain('tmpfs');
  });

  it('one command installs required and recommended packages together', () => {
    const fix = decideManualFix({ ...fresh, missing: [tool('bwrap'), tool('git')] });
    expect(fix).toMatchObject({ blocksSandboxes: true, command: 'sudo apt-get install -y bubblewrap git' });
  });
});
