import { execFileSync } from 'node:child_process';
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createLocalSandboxHarness } from '../../../test-support/local-sandbox.js';
import { makeTempDir } from '../../../test-support/test-server.js';
import type { Sandbox } from '../provider.js';

/**
 * git in the workspace as the agent and a person in the terminal use it: the workspace's files belong
 * to the snapshot, not to the sandbox's uid, and git refuses such a repo ("detected dubious
 * ownership") unless the sandbox carries a safe-directory config for /workspace.
 */
let reposDir: string;
let harness: Awaited<ReturnType<typeof createLocalSandboxHarness>>;
let sandbox: Sandbox;

beforeAll(async () => {
  reposDir = await makeTempDir('sandbox-git-repos');
  await chmod(reposDir, 0o711);
  const repo = path.join(reposDir, 'plain');
  await mkdir(repo, { recursive: true });
  await writeFile(path.join(repo, 'README.md'), '# plain\n');
  const git = (...args: string[]) => execFileSync('git', ['-C', repo, '-c', 'user.name=Origin', '-c', 'user.email=origin@example.com', ...args]);
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-q', '-m', 'the first commit');
  harness = await createLocalSandboxHarness({ repo, repoRoots: [reposDir] });
  sandbox = await harness.open();
}, 120_000);

afterAll(async () => {
  await sandbox?.close();
  await harness?.dispose();
  if (reposDir) await rm(reposDir, { recursive: true, force: true });
});

it('git status and git log work in an exec, as the agent runs them, with no safe.directory of its own', async () => {
  const status = await sandbox.exec('git status');
  expect(status.stderr).not.toContain('dubious ownership');
  expect(status).toMatchObject({ exitCode: 0 });
  expect(status.stdout).toContain('On branch main');
  const log = await sandbox.exec('git log --format=%s');
  expect(log.stderr).not.toContain('dubious ownership');
  expect(log).toMatchObject({ exitCode: 0, stdout: 'the first commit\n' });
  // The config is the sandbox's, not the workspace's: nothing of it lands in the repo.
  expect((await sandbox.exec('git status --porcelain')).stdout).toBe('');
});

it('git status and git log work in a terminal (a PTY shell)', async () => {
  const terminal = await sandbox.openPty({ cols: 120, rows: 40 });
  let output = '';
  terminal.onData((data) => (output += data));
  terminal.write('git --no-pager log --format=%s; echo "log-exit=$?"; git status >/dev/null; echo "status-exit=$?"\r');
  const deadline = Date.now() + 15_000;
  while (!/status-exit=\d/.test(output) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  terminal.kill();
  expect(output).not.toContain('dubious ownership');
  expect(output).toContain('the first commit');
  expect(output).toMatch(/log-exit=0\b/);
  expect(output).toMatch(/status-exit=0\b/);
});
