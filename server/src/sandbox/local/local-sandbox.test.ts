import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalSandboxHarness } from '../../../test-support/local-sandbox.js';
import { sandboxContract } from '../sandbox.contract.js';
import { DEFAULT_SANDBOX_LIMITS } from './bwrap-command.js';
import { SANDBOX_UID_BASE, SANDBOX_UID_COUNT } from './local-provider.js';
import type { LocalSandbox } from './local-sandbox.js';

let harness: Awaited<ReturnType<typeof createLocalSandboxHarness>>;
beforeAll(async () => {
  harness = await createLocalSandboxHarness();
});
afterAll(async () => harness.dispose());

sandboxContract('local (bubblewrap)', () => harness.open());

describe('local sandbox isolation', () => {
  const withSandbox = async (body: (sandbox: LocalSandbox) => Promise<void>) => {
    const sandbox = (await harness.open()) as LocalSandbox;
    try {
      await body(sandbox);
    } finally {
      await sandbox.close();
    }
  };

  it('ran the repo’s setup script once, into the snapshot', async () => {
    await withSandbox(async (sandbox) => {
      expect((await sandbox.exec('cat .tandem/snapshot-built-at')).stdout).toMatch(/^\d{4}-\d\d-\d\dT/);
    });
  });

  it('cannot read host paths outside its workspace', async () => {
    const marker = path.join(harness.dir, 'host-secret.txt');
    await writeFile(marker, 'secret');
    await withSandbox(async (sandbox) => {
      const result = await sandbox.exec(`cat ${marker}; ls ${process.cwd()}; ls /root`);
      expect(result.stdout).not.toContain('secret');
      expect(result.stdout).not.toContain('package.json\nREADME');
      expect(result.stderr).toMatch(/No such file or directory/);
    });
  });

  it('cannot write /usr or /etc', async () => {
    await withSandbox(async (sandbox) => {
      const result = await sandbox.exec('touch /usr/evil; touch /etc/evil; echo done');
      expect(result.stderr).toMatch(/Read-only file system/);
      await expect(stat('/usr/evil')).rejects.toThrow();
    });
  });

  it('has no network', async () => {
    await withSandbox(async (sandbox) => {
      const result = await sandbox.exec('(exec 3<>/dev/tcp/127.0.0.1/5432 && echo connected) 2>&1; ip -o link 2>/dev/null | grep -c UP || true');
      expect(result.stdout).not.toContain('connected');
    });
  });

  it('cannot see host processes', async () => {
    await withSandbox(async (sandbox) => {
      const result = await sandbox.exec('ls /proc | grep -E "^[0-9]+$" | wc -l; test -e /proc/' + process.pid + ' && echo sees-server');
      expect(Number(result.stdout.split('\n')[0])).toBeLessThan(10);
      expect(result.stdout).not.toContain('sees-server');
    });
  });

  it('cannot exceed its process limit', async () => {
    await withSandbox(async (sandbox) => {
      const result = await sandbox.exec(
        `for i in $(seq ${DEFAULT_SANDBOX_LIMITS.processes + 50}); do sleep 2 & done 2>/dev/null; jobs -r | wc -l`,
        { timeoutMs: 15_000 },
      );
      expect(Number(result.stdout.trim())).toBeLessThan(DEFAULT_SANDBOX_LIMITS.processes);
    });
  });

  it('runs as an unprivileged uid, so files it writes are not owned by root', async () => {
    await withSandbox(async (sandbox) => {
      await sandbox.exec('echo mine > owned.txt');
      const owner = (await stat(path.join(sandbox.workspaceDir, 'owned.txt'))).uid;
      expect(owner).toBeGreaterThanOrEqual(SANDBOX_UID_BASE);
      expect(owner).toBeLessThan(SANDBOX_UID_BASE + SANDBOX_UID_COUNT);
    });
  });

  it('keeps each session’s changes in its own layer, never in the snapshot', async () => {
    const first = (await harness.open()) as LocalSandbox;
    const second = (await harness.open()) as LocalSandbox;
    try {
      await first.exec('echo changed > package.json');
      expect((await second.exec('cat package.json')).stdout).toContain('hello-tandem');
      const base = await readFile(path.join(harness.snapshots.treeDir(harness.snapshot), 'package.json'), 'utf8');
      expect(base).toContain('hello-tandem');
    } finally {
      await first.close();
      await second.close();
    }
  });
});
