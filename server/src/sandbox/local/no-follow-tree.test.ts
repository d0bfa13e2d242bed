import { execFileSync } from 'node:child_process';
import { constants, existsSync } from 'node:fs';
import { chmod, lstat, mkdir, mkdtemp, open, readdir, readFile, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startLinkSwapper } from '../../../test-support/attacks/repo-paths.js';
import { copyTreeNoFollow, shareTreeNoFollow, sharedMode } from './no-follow-tree.js';

/** How long each race runs: long enough that following a link even once in a while shows. */
const RACE_DURATION_MS = 3_000;

let dir = '';
let host = '';
let secret = '';
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'tandem-no-follow-'));
  host = path.join(dir, 'host');
  secret = path.join(host, 'secret.txt');
  await mkdir(host);
  await writeFile(secret, 'host secret');
  await chmod(secret, 0o600);
  await chmod(host, 0o700);
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** Puts a file back to 0600 so the walk has work to do, without following a link itself. */
async function makePrivateNoFollow(file: string): Promise<void> {
  const handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW).catch(() => null);
  await handle?.chmod(0o600);
  await handle?.close();
}

const modeOf = async (file: string) => (await lstat(file)).mode & 0o7777;

/** Every file under `root` (not through links), with its content. */
async function contents(root: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(root, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) found.push(await readFile(path.join(entry.parentPath, entry.name), 'utf8'));
  }
  return found;
}

describe('sharedMode', () => {
  it('is a+rwX without set-id or sticky bits', () => {
    expect(sharedMode(0o644, false)).toBe(0o666);
    expect(sharedMode(0o700, false)).toBe(0o777);
    expect(sharedMode(0o4755, false)).toBe(0o777);
    expect(sharedMode(0o1700, true)).toBe(0o777);
    expect(sharedMode(0o600, true)).toBe(0o777);
  });
});

describe('copyTreeNoFollow', () => {
  it('copies folders and files shared with every uid, links verbatim, and leaves out FIFOs and skipped paths', async () => {
    const source = path.join(dir, 'repo');
    await mkdir(path.join(source, 'src', 'node_modules', '.cache'), { recursive: true });
    await writeFile(path.join(source, 'src', 'main.ts'), 'main');
    await writeFile(path.join(source, 'run.sh'), 'echo hi');
    await chmod(path.join(source, 'run.sh'), 0o4750);
    await writeFile(path.join(source, 'src', 'node_modules', '.cache', 'big'), 'cache');
    await symlink(secret, path.join(source, 'to-secret'));
    await symlink('src/main.ts', path.join(source, 'relative'));
    execFileSync('mkfifo', [path.join(source, 'pipe')]);

    const copy = path.join(dir, 'copy');
    await copyTreeNoFollow(source, copy, { skip: (relative) => relative === 'src/node_modules/.cache' });
    expect(await readFile(path.join(copy, 'src', 'main.ts'), 'utf8')).toBe('main');
    expect(await modeOf(path.join(copy, 'src', 'main.ts'))).toBe(0o666);
    expect(await modeOf(path.join(copy, 'run.sh'))).toBe(0o777);
    expect(await modeOf(path.join(copy, 'src'))).toBe(0o777);
    expect(await readlink(path.join(copy, 'to-secret'))).toBe(secret);
    expect(await readlink(path.join(copy, 'relative'))).toBe('src/main.ts');
    expect(existsSync(path.join(copy, 'pipe'))).toBe(false);
    expect(existsSync(path.join(copy, 'src', 'node_modules', '.cache'))).toBe(false);
    expect(await modeOf(secret)).toBe(0o600);
  });

  it('refuses a source that is itself a link', async () => {
    await symlink(host, path.join(dir, 'link'));
    await expect(copyTreeNoFollow(path.join(dir, 'link'), path.join(dir, 'copy'))).rejects.toThrow(/is a link/);
    expect(existsSync(path.join(dir, 'copy'))).toBe(false);
  });

  it('never copies through a folder that is swapped for a link to a host folder mid-copy', async () => {
    const workspace = path.join(dir, 'workspace');
    await mkdir(path.join(workspace, 'src'), { recursive: true });
    await writeFile(path.join(workspace, 'src', 'main.ts'), 'main');
    const swapper = startLinkSwapper(path.join(workspace, 'src'), host);
    let copies = 0;
    try {
      for (const deadline = Date.now() + RACE_DURATION_MS; Date.now() < deadline; copies += 1) {
        const copy = path.join(dir, `copy-${copies}`);
        await copyTreeNoFollow(workspace, copy);
        expect(await contents(copy)).not.toContain('host secret');
        await rm(copy, { recursive: true });
      }
      expect(await swapper.swaps()).toBeGreaterThan(50);
    } finally {
      await swapper.stop();
    }
    expect(copies).toBeGreaterThan(10);
  });
});

describe('shareTreeNoFollow', () => {
  it('opens folders and files to every uid and changes nothing a link points to', async () => {
    const tree = path.join(dir, 'tree');
    await mkdir(path.join(tree, 'made-by-setup'), { recursive: true, mode: 0o700 });
    await writeFile(path.join(tree, 'made-by-setup', 'out.js'), 'x', { mode: 0o600 });
    await symlink(secret, path.join(tree, 'to-secret'));
    await symlink(host, path.join(tree, 'to-host'));
    await shareTreeNoFollow(tree);
    expect(await modeOf(path.join(tree, 'made-by-setup'))).toBe(0o777);
    expect(await modeOf(path.join(tree, 'made-by-setup', 'out.js'))).toBe(0o666);
    expect(await modeOf(secret)).toBe(0o600);
    expect(await modeOf(host)).toBe(0o700);
  });

  it('refuses a root that is itself a link, changing nothing', async () => {
    await symlink(host, path.join(dir, 'tree'));
    await expect(shareTreeNoFollow(path.join(dir, 'tree'))).rejects.toThrow(/is a link/);
    expect(await modeOf(host)).toBe(0o700);
    expect((await stat(secret)).mode & 0o777).toBe(0o600);
  });

  it('never changes a host file through a file swapped for a link mid-walk', async () => {
    const tree = path.join(dir, 'tree');
    await mkdir(tree);
    await writeFile(path.join(tree, 'output.bin'), 'x', { mode: 0o600 });
    const swapper = startLinkSwapper(path.join(tree, 'output.bin'), secret);
    let walks = 0;
    try {
      for (const deadline = Date.now() + RACE_DURATION_MS; Date.now() < deadline; walks += 1) {
        await makePrivateNoFollow(path.join(tree, 'output.bin'));
        await shareTreeNoFollow(tree);
        expect(await modeOf(secret)).toBe(0o600);
      }
      expect(await swapper.swaps()).toBeGreaterThan(50);
    } finally {
      await swapper.stop();
    }
    expect(walks).toBeGreaterThan(10);
  });
});
