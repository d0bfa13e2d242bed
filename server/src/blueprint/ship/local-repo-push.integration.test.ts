import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { gitIn, repoWithFailingTest } from '../../../test-support/blueprint-fixtures.js';
import { createCommitStore, LAST_COMMIT_REF } from './commit-store.js';
import { createLocalRepoPushTarget } from './local-repo-push.js';

/**
 * What a run hands the push: a commit in the session's commit store as the server makes it (every
 * file of the workspace written there, the commit on top of the session's base, whose objects the
 * store does not hold).
 */
async function serverCommit(repo: string, branch: string, scratch: string) {
  const workspace = path.join(scratch, `workspace-${branch.replace(/\W/g, '-')}`);
  execFileSync('git', ['clone', '-q', repo, workspace]);
  const baseSha = gitIn(workspace, 'rev-parse', 'HEAD').trim();
  execFileSync('sh', ['-c', 'echo change >> src/math.js'], { cwd: workspace });
  const store = await createCommitStore(path.join(scratch, 'commits')).repoFor('s_test');
  const index = path.join(scratch, 'index');
  const asStore = (...args: string[]) => execFileSync('git', ['--git-dir', store, '--work-tree', workspace, ...args], { encoding: 'utf8', env: { ...process.env, GIT_INDEX_FILE: index } }).trim();
  asStore('add', '-A', '.');
  const tree = asStore('write-tree');
  await rm(index, { force: true });
  const text = `tree ${tree}\nparent ${baseSha}\nauthor Ada <ada@example.com> 1700000000 +0000\ncommitter Tandem <tandem@localhost> 1700000000 +0000\n\nA change\n`;
  const sha = execFileSync('git', ['--git-dir', store, 'hash-object', '-t', 'commit', '-w', '--stdin'], { input: text, encoding: 'utf8' }).trim();
  execFileSync('git', ['--git-dir', store, 'update-ref', LAST_COMMIT_REF, sha]);
  return { baseSha, sha, store };
}

const NOBODY = 65534;
const asRoot = process.getuid?.() === 0;

describe('pushing a run’s commit into a local repo', () => {
  let scratch = '';
  afterEach(async () => {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it.skipIf(!asRoot)('as the repo’s owner when the server is root: the commit lands, everything git wrote stays the owner’s, the checked-out branch never moves', async () => {
    scratch = await mkdtemp(path.join(os.tmpdir(), 'tandem-local-push-'));
    const repo = await repoWithFailingTest(scratch, 'people-repo');
    const { baseSha, sha, store } = await serverCommit(repo, 'tandem/change-abc123', scratch);
    execFileSync('chown', ['-R', `${NOBODY}:${NOBODY}`, repo]);
    await chown(scratch, NOBODY, NOBODY);

    const target = createLocalRepoPushTarget(repo);
    expect(await target.push({ branch: 'tandem/change-abc123', baseSha, sha, store })).toEqual({ kind: 'pushed', remote: repo, sha });
    expect(gitIn(repo, '-c', `safe.directory=${repo}`, 'rev-parse', 'refs/heads/tandem/change-abc123').trim()).toBe(sha);
    expect(gitIn(repo, '-c', `safe.directory=${repo}`, 'show', 'refs/heads/tandem/change-abc123:src/math.js')).toContain('change');
    expect(execFileSync('find', [path.join(repo, '.git'), '-not', '-uid', String(NOBODY)], { encoding: 'utf8' })).toBe('');

    // The person's checked-out branch is never a push target, whatever the branch is called.
    expect(await target.push({ branch: 'main', baseSha, sha, store })).toMatchObject({ kind: 'failed', reason: expect.stringContaining('checked out') });
    expect(gitIn(repo, '-c', `safe.directory=${repo}`, 'rev-parse', 'main').trim()).toBe(baseSha);
  });

  it('refuses a commit whose objects git would not accept (a tree holding a .git entry), and the repo gets no branch', async () => {
    scratch = await mkdtemp(path.join(os.tmpdir(), 'tandem-local-push-'));
    const repo = await repoWithFailingTest(scratch, 'target-repo');
    const baseSha = gitIn(repo, 'rev-parse', 'HEAD').trim();
    const store = await createCommitStore(path.join(scratch, 'commits')).repoFor('s_hostile');
    const inStore = (args: string[], input?: string) => execFileSync('git', ['--git-dir', store, ...args], { input, encoding: 'utf8' }).trim();
    // A commit whose tree has an entry named .git: checked out, it would be the repo's own config.
    const blob = inStore(['hash-object', '-w', '--stdin'], '[core]\n\tfsmonitor = touch /tmp/pwned\n');
    const tree = inStore(['mktree'], `100644 blob ${blob}\t.git\n`);
    const commit = inStore(['hash-object', '-t', 'commit', '-w', '--stdin', '--literally'], `tree ${tree}\nparent ${baseSha}\nauthor Eve <eve@example.com> 1700000000 +0000\ncommitter Eve <eve@example.com> 1700000000 +0000\n\nhostile\n`);

    const outcome = await createLocalRepoPushTarget(repo).push({ branch: 'tandem/hostile-abc123', baseSha, sha: commit, store });
    expect(outcome).toMatchObject({ kind: 'failed', reason: expect.stringMatching(/dotgit|\.git/i) });
    expect(gitIn(repo, 'branch', '--list', 'tandem/*')).toBe('');
  });

  it('never runs a command the repo’s config names (alternate refs, hooks, fsmonitor, ssh, askpass, credential helper, pager, editor, gpg, a checkout on push)', async () => {
    scratch = await mkdtemp(path.join(os.tmpdir(), 'tandem-local-push-'));
    const repo = await repoWithFailingTest(scratch, 'configured-repo');
    const other = await repoWithFailingTest(scratch, 'borrowed-repo');
    const { baseSha, sha, store } = await serverCommit(repo, 'tandem/configured-abc123', scratch);
    const markers = path.join(scratch, 'markers');
    await mkdir(markers);
    if (asRoot) await chmod(markers, 0o777);
    const touch = (name: string) => `touch ${markers}/${name}; true`;
    // The alternate-refs command runs only for a repo that borrows objects: this one does.
    await writeFile(path.join(repo, '.git/objects/info/alternates'), `${path.join(other, '.git/objects')}\n`);
    const hooks = path.join(scratch, 'hooks');
    await mkdir(hooks);
    for (const hook of ['pre-receive', 'update', 'post-receive', 'post-update', 'reference-transaction', 'push-to-checkout', 'proc-receive']) {
      await writeFile(path.join(hooks, hook), `#!/bin/sh\ntouch ${markers}/hook-${hook}\n`, { mode: 0o755 });
    }
    const commandKeys = ['core.alternateRefsCommand', 'core.fsmonitor', 'core.sshCommand', 'core.askPass', 'credential.helper', 'core.pager', 'core.editor', 'gpg.program'];
    for (const key of commandKeys) gitIn(repo, 'config', key, touch(key));
    gitIn(repo, 'config', 'core.hooksPath', hooks);
    gitIn(repo, 'config', 'receive.denyCurrentBranch', 'updateInstead');
    if (asRoot) {
      execFileSync('chown', ['-R', `${NOBODY}:${NOBODY}`, repo, other]);
      await chown(scratch, NOBODY, NOBODY);
    }

    const target = createLocalRepoPushTarget(repo);
    expect(await target.push({ branch: 'tandem/configured-abc123', baseSha, sha, store })).toEqual({ kind: 'pushed', remote: repo, sha });
    // updateInstead would check the pushed branch out into the person's folder: refused all the same.
    expect(await target.push({ branch: 'main', baseSha, sha, store })).toMatchObject({ kind: 'failed', reason: expect.stringContaining('checked out') });
    expect(gitIn(repo, '-c', `safe.directory=${repo}`, 'rev-parse', 'main').trim()).toBe(baseSha);
    expect(await readdir(markers)).toEqual([]);
    expect(existsSync(path.join(markers, 'core.alternateRefsCommand'))).toBe(false);
  });
});
