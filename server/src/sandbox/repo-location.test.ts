import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decideRepoPath, parseRepoReference, resolveRepo, type RepoPathDecision } from './repo-location.js';

describe('parseRepoReference', () => {
  const cwd = '/srv/tandem';
  it('reads remote URLs as remote', () => {
    for (const url of ['https://github.com/acme/app.git', 'http://git.local/app', 'ssh://git@github.com/acme/app', 'git://git.local/app', 'git@github.com:acme/app.git']) {
      expect(parseRepoReference(url, cwd)).toEqual({ kind: 'remote', url });
    }
  });
  it('reads file:// URLs and paths as local, relative paths against the cwd', () => {
    expect(parseRepoReference('file:///home/ada/app', cwd)).toEqual({ kind: 'local', path: '/home/ada/app', form: 'file-url' });
    expect(parseRepoReference('file://localhost/home/ada/my%20app', cwd)).toEqual({ kind: 'local', path: '/home/ada/my app', form: 'file-url' });
    expect(parseRepoReference('examples/hello', cwd)).toEqual({ kind: 'local', path: '/srv/tandem/examples/hello', form: 'path' });
    expect(parseRepoReference('../elsewhere', cwd)).toEqual({ kind: 'local', path: '/srv/elsewhere', form: 'path' });
    // Never handed to git as a URL, so a colon is only a character.
    expect(parseRepoReference('notes:2024', cwd)).toEqual({ kind: 'local', path: '/srv/tandem/notes:2024', form: 'path' });
  });
  it('refuses what git would read as an option', () => {
    for (const repo of ['-u@h:;touch /tmp/x;#', '--upload-pack=touch /tmp/x', '-cprotocol.ext.allow=always']) {
      expect(parseRepoReference(repo, cwd)).toMatchObject({ kind: 'refused', reason: expect.stringContaining('option') });
    }
    expect(parseRepoReference('ssh://-oProxyCommand=touch%20x/repo', cwd)).toMatchObject({ kind: 'refused' });
    expect(parseRepoReference('git@-oProxyCommand:repo', cwd)).toMatchObject({ kind: 'refused', reason: expect.stringContaining('option') });
  });
  it('refuses transports that run commands, unknown schemes, other hosts’ files and control characters', () => {
    expect(parseRepoReference('ext::sh -c touch% /tmp/x', cwd)).toMatchObject({ kind: 'refused', reason: expect.stringContaining('"ext::" transport') });
    expect(parseRepoReference('fd::3', cwd)).toMatchObject({ kind: 'refused', reason: expect.stringContaining('transport') });
    expect(parseRepoReference('ftp://example.com/app', cwd)).toMatchObject({ kind: 'refused', reason: expect.stringContaining('not supported') });
    expect(parseRepoReference('file://fileserver/share/app', cwd)).toMatchObject({ kind: 'refused', reason: expect.stringContaining('this machine') });
    expect(parseRepoReference('app\n--upload-pack=x', cwd)).toMatchObject({ kind: 'refused', reason: expect.stringContaining('control characters') });
    expect(parseRepoReference('   ', cwd)).toMatchObject({ kind: 'refused', reason: expect.stringContaining('empty') });
  });
});

describe('decideRepoPath', () => {
  const base = { realRoots: ['/home/ada', '/srv/repos'], protectedDirs: ['/srv/tandem/.tandem-data'], entry: 'directory' as const };
  const decide = (realPath: string, extra: Partial<Parameters<typeof decideRepoPath>[0]> = {}): RepoPathDecision =>
    decideRepoPath({ ...base, shownPath: realPath, realPath, ...extra });

  it('allows a folder under a root, and a root itself', () => {
    expect(decide('/home/ada/app')).toEqual({ kind: 'allowed' });
    expect(decide('/srv/repos')).toEqual({ kind: 'allowed' });
  });
  it('refuses a real path outside every root, naming the roots and TANDEM_REPO_ROOTS, even when it shares a prefix', () => {
    for (const realPath of ['/etc', '/home/adam/app', '/srv/repos-private']) {
      const decision = decide(realPath);
      expect(decision).toMatchObject({ kind: 'refused', reason: expect.stringContaining('outside the allowed repo roots (/home/ada, /srv/repos)') });
      expect(decision).toMatchObject({ reason: expect.stringContaining('TANDEM_REPO_ROOTS') });
    }
  });
  it('says where a link really led', () => {
    expect(decide('/etc', { shownPath: '/home/ada/escape' })).toMatchObject({ reason: expect.stringContaining('/home/ada/escape (really /etc)') });
  });
  it('refuses the data dir, anything inside it and any folder holding it, even under a root', () => {
    const roots = { realRoots: ['/srv'] };
    for (const realPath of ['/srv/tandem/.tandem-data', '/srv/tandem/.tandem-data/snapshots/snap_1/tree', '/srv/tandem', '/srv']) {
      expect(decide(realPath, roots)).toMatchObject({ kind: 'refused', reason: expect.stringContaining("Tandem's data dir") });
    }
    // Sharing a prefix is not lying inside: refused only for being hidden, not as the data dir.
    expect(decide('/srv/tandem/.tandem-data-notes', roots)).toMatchObject({ reason: expect.not.stringContaining("Tandem's data dir") });
  });
  it('refuses a home folder (or a folder holding one) as a whole, and hidden folders such as ~/.ssh', () => {
    const home = { homeDirs: ['/home/ada'] };
    for (const realPath of ['/home/ada', '/home']) {
      expect(decide(realPath, { ...home, realRoots: ['/'] })).toMatchObject({ kind: 'refused', reason: expect.stringContaining('home folder /home/ada') });
    }
    expect(decide('/home/ada/app', home)).toEqual({ kind: 'allowed' });
    for (const realPath of ['/home/ada/.ssh', '/home/ada/.config/gh', '/srv/repos/app/.git']) {
      expect(decide(realPath, home)).toMatchObject({ kind: 'refused', reason: expect.stringContaining('hidden folder') });
    }
  });
  it('says a path under a root does not exist or is not a folder; outside the roots it says only that', () => {
    expect(decide('/home/ada/missing', { entry: 'missing' })).toMatchObject({ reason: expect.stringContaining('does not exist') });
    expect(decide('/home/ada/notes.txt', { entry: 'other' })).toMatchObject({ reason: expect.stringContaining('not a folder') });
    expect(decide('/etc/missing', { entry: 'missing' })).toMatchObject({ reason: expect.stringContaining('outside the allowed repo roots') });
  });
});

describe('resolveRepo', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tandem-repo-location-'));
    await mkdir(path.join(dir, 'root', 'app'), { recursive: true });
    await mkdir(path.join(dir, 'outside'));
    await writeFile(path.join(dir, 'root', 'notes.txt'), 'notes');
    await symlink(path.join(dir, 'outside'), path.join(dir, 'root', 'escape'));
    await symlink(path.join(dir, 'root'), path.join(dir, 'root-link'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));
  const policy = () => ({ roots: [path.join(dir, 'root-link')], protectedDirs: [path.join(dir, 'root', 'data', 'not-made-yet')] });

  it('gives the real path of an allowed folder, judged against the roots’ real paths', async () => {
    expect(await resolveRepo(path.join(dir, 'root-link', 'app'), policy())).toEqual({ kind: 'local', realPath: path.join(dir, 'root', 'app'), form: 'path' });
    expect(await resolveRepo(`file://${path.join(dir, 'root', 'app')}`, policy())).toMatchObject({ kind: 'local', form: 'file-url' });
  });
  it('refuses a link under a root that leads outside it', async () => {
    await expect(resolveRepo(path.join(dir, 'root', 'escape'), policy())).rejects.toThrow(/really .*outside.*outside the allowed repo roots/);
  });
  it('refuses a parent of a data dir that does not exist yet', async () => {
    await expect(resolveRepo(path.join(dir, 'root'), policy())).rejects.toThrow(/Tandem's data dir/);
  });
  it('refuses a file and a missing folder with what to give instead', async () => {
    await expect(resolveRepo(path.join(dir, 'root', 'notes.txt'), policy())).rejects.toThrow(/not a folder/);
    await expect(resolveRepo(path.join(dir, 'root', 'nope'), policy())).rejects.toThrow(/does not exist/);
  });
});
