import { execFileSync } from 'node:child_process';
import { chown, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { gitIn, repoWithFailingTest } from '../../../test-support/blueprint-fixtures.js';
import { createLocalRepoPushTarget } from './local-repo-push.js';

/** What a run hands the push: its branch's commits since the session's start, as a bundle made in a clone. */
async function runBranch(repo: string, branch: string, scratch: string) {
  const clone = path.join(scratch, 'workspace');
  execFileSync('git', ['clone', '-q', repo, clone]);
  const baseSha = gitIn(clone, 'rev-parse', 'HEAD').trim();
  gitIn(clone, 'checkout', '-q', '-B', branch);
  execFileSync('sh', ['-c', 'echo change >> src/math.js'], { cwd: clone });
  gitIn(clone, '-c', 'user.name=Ada', '-c', 'user.email=ada@example.com', 'commit', '-q', '-am', 'A change');
  const tipSha = gitIn(clone, 'rev-parse', 'HEAD').trim();
  const bundlePath = path.join(scratch, 'branch.bundle');
  gitIn(clone, 'bundle', 'create', '-q', bundlePath, `refs/heads/${branch}`, '--not', baseSha);
  return { baseSha, tipSha, bundle: await readFile(bundlePath) };
}

const NOBODY = 65534;
const asRoot = process.getuid?.() === 0;

describe('pushing a run’s branch into a local repo', () => {
  let scratch = '';
  afterEach(async () => {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it.skipIf(!asRoot)('as the repo’s owner when the server is root: the branch lands, everything git wrote stays the owner’s, the checked-out branch never moves', async () => {
    scratch = await mkdtemp(path.join(os.tmpdir(), 'tandem-local-push-'));
    const repo = await repoWithFailingTest(scratch, 'people-repo');
    const { baseSha, tipSha, bundle } = await runBranch(repo, 'tandem/change-abc123', scratch);
    const onMain = await runBranch(repo, 'main', path.join(scratch, 'again'));
    execFileSync('chown', ['-R', `${NOBODY}:${NOBODY}`, repo]);
    await chown(scratch, NOBODY, NOBODY);

    const target = createLocalRepoPushTarget(repo);
    expect(await target.push({ branch: 'tandem/change-abc123', baseSha, bundle })).toEqual({ kind: 'pushed', remote: repo, sha: tipSha });
    expect(gitIn(repo, '-c', `safe.directory=${repo}`, 'rev-parse', 'refs/heads/tandem/change-abc123').trim()).toBe(tipSha);
    expect(execFileSync('find', [path.join(repo, '.git'), '-not', '-uid', String(NOBODY)], { encoding: 'utf8' })).toBe('');

    // The person's checked-out branch is never a push target, whatever the branch is called.
    expect(await target.push({ branch: 'main', ...onMain })).toMatchObject({ kind: 'failed', reason: expect.stringContaining('checked out') });
    expect(gitIn(repo, '-c', `safe.directory=${repo}`, 'rev-parse', 'main').trim()).toBe(baseSha);
  });

  it('refuses a bundle whose objects git would not accept (a tree holding a .git entry), and the repo gets no branch', async () => {
    scratch = await mkdtemp(path.join(os.tmpdir(), 'tandem-local-push-'));
    const repo = await repoWithFailingTest(scratch, 'target-repo');
    const clone = path.join(scratch, 'hostile');
    execFileSync('git', ['clone', '-q', repo, clone]);
    const baseSha = gitIn(clone, 'rev-parse', 'HEAD').trim();
    // A commit whose tree has an entry named .git: checked out, it would be the repo's own config.
    const blob = execFileSync('git', ['-C', clone, 'hash-object', '-w', '--stdin'], { input: '[core]\n\tfsmonitor = touch /tmp/pwned\n', encoding: 'utf8' }).trim();
    const tree = execFileSync('git', ['-C', clone, 'mktree'], { input: `100644 blob ${blob}\t.git\n`, encoding: 'utf8' }).trim();
    const commit = execFileSync('git', ['-C', clone, '-c', 'user.name=Eve', '-c', 'user.email=eve@example.com', 'commit-tree', tree, '-p', baseSha, '-m', 'hostile'], { encoding: 'utf8' }).trim();
    gitIn(clone, 'update-ref', 'refs/heads/tandem/hostile-abc123', commit);
    const bundlePath = path.join(scratch, 'hostile.bundle');
    gitIn(clone, 'bundle', 'create', '-q', bundlePath, 'refs/heads/tandem/hostile-abc123', '--not', baseSha);

    const outcome = await createLocalRepoPushTarget(repo).push({ branch: 'tandem/hostile-abc123', baseSha, bundle: await readFile(bundlePath) });
    expect(outcome).toMatchObject({ kind: 'failed', reason: expect.stringMatching(/dotgit|\.git/i) });
    expect(gitIn(repo, 'branch', '--list', 'tandem/*')).toBe('');
  });
});
