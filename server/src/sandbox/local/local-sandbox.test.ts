import { execFile } from 'node:child_process';
import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalSandboxHarness } from '../../../test-support/local-sandbox.js';
import { waitFor } from '../../../test-support/test-server.js';
import { sandboxContract } from '../sandbox.contract.js';
import { shellQuote } from '../shell-quote.js';
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
    const hostDir = path.join(harness.dir, 'host-only');
    const marker = path.join(hostDir, 'host-secret.txt');
    await mkdir(hostDir, { recursive: true });
    await writeFile(marker, 'secret');
    // The server's own directory (its code and config) and a directory the test made: both there on the host.
    const hostDirs = [hostDir, process.cwd(), '/root'];
    expect(await readdir(hostDir)).toEqual(['host-secret.txt']);
    expect(await readdir(process.cwd())).toContain('package.json');
    await withSandbox(async (sandbox) => {
      const read = await sandbox.exec(`cat ${shellQuote(marker)}`);
      expect(read).toMatchObject({ exitCode: 1, stdout: '' });
      expect(read.stderr).toContain('No such file or directory');
      for (const dir of hostDirs) {
        const listing = await sandbox.exec(`ls -A ${shellQuote(dir)}`);
        expect(listing, dir).toMatchObject({ exitCode: 2, stdout: '' });
        expect(listing.stderr).toContain(`cannot access '${dir}': No such file or directory`);
      }
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
    let accepted = 0;
    const listener = createServer((socket) => {
      accepted += 1;
      socket.end();
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const probe = `(exec 3<>/dev/tcp/127.0.0.1/${(listener.address() as AddressInfo).port}) 2>/dev/null && echo connected || echo unreachable`;
    try {
      await withSandbox(async (sandbox) => {
        expect((await sandbox.exec(probe)).stdout.trim()).toBe('unreachable');
        // Its only interface is its own loopback (the host has more, e.g. eth0).
        const interfaces = await sandbox.exec(`tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '`);
        expect(interfaces.stdout.trim().split('\n')).toEqual(['lo']);
      });
      // The same probe from the host reaches the listener; connections are accepted in order, so once
      // the host's is in, a connection from the sandbox (made earlier) would have been counted too.
      expect((await promisify(execFile)('bash', ['-c', probe])).stdout.trim()).toBe('connected');
      await waitFor(() => accepted > 0, 'the host probe to be accepted');
      expect(accepted).toBe(1);
    } finally {
      listener.close();
    }
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
