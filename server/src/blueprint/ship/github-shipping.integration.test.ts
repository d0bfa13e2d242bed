import { execFileSync } from 'node:child_process';
import { rm, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunResponse } from '@tandem/shared/protocol/runs.js';
import { FIXED_ADD, gitIn, opened, repoWithFailingTest, runEnded, scriptModel, teamOn } from '../../../test-support/blueprint-fixtures.js';
import { FAKE_API_KEY, startFakeAnthropic, textReply, toolReply, userTexts, type FakeAnthropic } from '../../../test-support/fake-anthropic.js';
import { startFakeGitHubRest, type FakeCheckRun, type FakeGitHubRest } from '../../../test-support/fake-github-rest.js';
import { startFakeGitHttp, type FakeGitHttp } from '../../../test-support/fake-git-http.js';
import { serverForFile } from '../../../test-support/server-per-file.js';
import { makeTempDir, waitFor, withModelAt } from '../../../test-support/test-server.js';

/**
 * A GitHub repo end to end: the branch is pushed with the server's token over git's smart HTTP (git's
 * own http-backend over bare repos stands in for GitHub's git host), Octokit opens a draft PR on a fake GitHub REST server, CI is read from its
 * check runs, a failing CI round becomes structured failures for one bounded fix round.
 */
const TOKEN = 'ghp_tandemTestToken0123456789';
let fake: FakeAnthropic;
let github: FakeGitHubRest;
let gitHost: FakeGitHttp;
let reposDir = '';
beforeAll(async () => {
  fake = await startFakeAnthropic();
  github = await startFakeGitHubRest({ token: TOKEN, repos: [{ owner: 'acme', name: 'app', defaultBranch: 'main' }, { owner: 'acme', name: 'stuck', defaultBranch: 'main' }] });
  reposDir = await makeTempDir('github-shipping');
  gitHost = await startFakeGitHttp(path.join(reposDir, 'github'));
});
afterAll(async () => {
  await Promise.all([fake.close(), github.close(), gitHost.close()]);
  await rm(reposDir, { recursive: true, force: true });
});
const shared = serverForFile('github-shipping', { sandboxes: true }, (config) => {
  const withModel = withModelAt(fake.url, FAKE_API_KEY)(config);
  return {
    ...withModel,
    sandbox: { ...withModel.sandbox, repoRoots: [...withModel.sandbox.repoRoots, reposDir] },
    github: { webUrl: 'https://github.test', apiUrl: github.url, gitUrl: gitHost.url, token: TOKEN },
  };
});
const RUN_TIMEOUT_MS = 120_000;

/** `acme/<name>` on the stand-in git host: a bare repo holding the failing-test project on main. */
async function gitHubRepo(name: string): Promise<{ bare: string; url: string }> {
  const work = await repoWithFailingTest(reposDir, `${name}-work`);
  const bare = path.join(reposDir, 'github', 'acme', `${name}.git`);
  await mkdir(path.dirname(bare), { recursive: true });
  execFileSync('git', ['clone', '-q', '--bare', work, bare]);
  execFileSync('git', ['-C', bare, 'config', 'http.receivepack', 'true']);
  return { bare, url: `${gitHost.url}/acme/${name}.git` };
}

const failedTestRun = (id: number): FakeCheckRun => ({
  id,
  name: 'test (node 20)',
  status: 'completed',
  conclusion: 'failure',
  output: { title: '1 test failed' },
  annotations: [{ path: 'test/math.test.js', start_line: 6, annotation_level: 'failure', message: 'Expected values to be strictly equal: 5 !== 6', title: 'adds two numbers' }],
  log: '##[group]Run npm test\nnot ok 1 - adds two numbers\n##[error]Process completed with exit code 1.',
});
const passedRun = (id: number): FakeCheckRun => ({ id, name: 'test (node 20)', status: 'completed', conclusion: 'success' });

it(
  'implement on a GitHub repo: pushed with the token, a draft PR with goal, checks and people, CI fails once, one fix round, CI passes',
  async () => {
    const repo = await gitHubRepo('app');
    const team = await teamOn(shared, 'Ship add', repo.url);
    const bobSteered = opened();
    let firstSha: string | undefined;
    github.setCi((sha) => {
      firstSha ??= sha;
      return { checkRuns: [sha === firstSha ? failedTestRun(101) : passedRun(102)] };
    });
    const model = scriptModel(fake, [
      toolReply('write_file', { path: 'src/math.js', content: FIXED_ADD }, 'Fixing add.', { pause: { afterEvents: 2, until: bobSteered.promise } }),
      textReply('add adds now.'),
      // The CI fix round: a real change, so the second CI round is on a new commit.
      toolReply('write_file', { path: 'src/math.js', content: `// adds two numbers\n${FIXED_ADD}` }),
      textReply('Documented add; CI should pass.'),
    ]);
    const started = await shared.api.call<RunResponse>('POST', `/sessions/${team.sessionId}/runs`, team.ada.token, { blueprint: 'implement', goal: 'Make add add' });
    expect(started.status).toBe(201);
    await waitFor(() => model.count() >= 1, 'the implement node to ask the model', 30_000);
    expect((await shared.api.call('POST', `/sessions/${team.sessionId}/messages`, team.bob.token, { text: 'Keep it small.', delivery: 'steer' })).status).toBe(201);
    bobSteered.open();

    await waitFor(() => runEnded(team.run()), 'the run to end', RUN_TIMEOUT_MS);
    const run = team.run()!;
    expect(run.summary).toBe('Every node of the blueprint passed.');
    expect(run.nodes.map((node) => [node.id, node.status, node.attempt])).toEqual([
      ['implement', 'passed', 1],
      ['checks', 'passed', 1],
      ['fix', 'skipped', 0],
      ['commit', 'passed', 2],
      ['push', 'passed', 2],
      ['pull-request', 'passed', 2],
      ['ci', 'passed', 2],
      ['fix-ci', 'passed', 1],
    ]);

    // The fix round was given CI's failure as a compact, located list.
    const fixAsk = userTexts(model.request(2)!.messages).find((text) => text.startsWith('[Tandem asks]'))!;
    expect(fixAsk).toContain('CI failed on the pushed commit (fix round 1 of 1)');
    expect(fixAsk).toContain('- test/math.test.js:6 [test (node 20)] adds two numbers: Expected values to be strictly equal');

    // Pushed: the stand-in GitHub has the branch at the run's last commit, authored by Ada with Bob as co-author; main did not move.
    const branch = run.commit!.branch;
    expect(run.push).toEqual({ sha: run.commit!.sha, branch, remote: 'github.test/acme/app' });
    expect(gitIn(repo.bare, 'rev-parse', `refs/heads/${branch}`).trim()).toBe(run.commit!.sha);
    expect(gitIn(repo.bare, 'log', '-1', '--format=%an%n%B', branch)).toContain(`Co-authored-by: Bob <${team.bob.user.id}@users.tandem.invalid>`);
    expect(gitIn(repo.bare, 'rev-list', '--count', `main..${branch}`).trim()).toBe('2');
    expect(gitIn(repo.bare, 'show', 'main:src/math.js')).not.toContain('a + b');

    // One draft PR, opened once and brought up to date, its link in everyone's doc.
    expect(github.pulls).toHaveLength(1);
    const pull = github.pulls[0]!;
    expect(pull).toMatchObject({ head: branch, base: 'main', title: 'Make add add', draft: true });
    expect(pull.body).toContain('## Goal\n\n```text\nMake add add\n```');
    expect(pull.body).toMatch(/\| Checks \| ✅ passed \| 1 of 3 \|/);
    expect(pull.body).toContain('Started by Ada; steered by Bob.');
    expect(pull.body).toContain(`/s/${team.sessionId}`);
    expect(run.pullRequest).toEqual({ number: 1, url: pull.html_url, draft: true });

    // CI was read for exactly the two commits; every GitHub call carried the token, which is nowhere in the doc.
    expect(github.ciShas()).toHaveLength(2);
    expect(github.requests.every((request) => request.authorized)).toBe(true);
    // The push sent the token as HTTP basic auth (x-access-token), the way GitHub takes an installation or personal token.
    expect(gitHost.authorizations).toContain(`Basic ${Buffer.from(`x-access-token:${TOKEN}`).toString('base64')}`);
    expect(JSON.stringify(team.tab.doc.toJSON())).not.toContain(TOKEN);
  },
  RUN_TIMEOUT_MS + 30_000,
);

it(
  'CI that keeps failing: one fix round, a second CI round, then the run hands back; a third CI round never starts',
  async () => {
    const repo = await gitHubRepo('stuck');
    const team = await teamOn(shared, 'Stuck CI', repo.url);
    const before = github.ciShas().length;
    let round = 0;
    github.setCi(() => ({ checkRuns: [failedTestRun(200 + round)] }));
    scriptModel(fake, [
      toolReply('write_file', { path: 'src/math.js', content: FIXED_ADD }),
      textReply('Done.'),
      () => {
        round += 1;
        return toolReply('write_file', { path: 'src/math.js', content: `// try ${round}\n${FIXED_ADD}` });
      },
      textReply('Tried.'),
      toolReply('write_file', { path: 'src/math.js', content: '// a third round must not happen\n' }),
    ]);
    expect((await shared.api.call<RunResponse>('POST', `/sessions/${team.sessionId}/runs`, team.ada.token, { blueprint: 'implement', goal: 'Make add add' })).status).toBe(201);
    await waitFor(() => runEnded(team.run()), 'the run to hand back', RUN_TIMEOUT_MS);
    const run = team.run()!;
    expect(run.state).toBe('handed-back');
    expect(run.summary).toContain('CI still fails after 1 fix round');
    expect(run.summary).toContain('test/math.test.js:6');
    expect(team.node('ci')).toMatchObject({ status: 'failed', attempt: 2, maxAttempts: 2 });
    expect(team.node('fix-ci')).toMatchObject({ status: 'passed', attempt: 1 });
    expect(github.ciShas().length - before).toBe(2);
    expect(gitIn(repo.bare, 'show', `${run.commit!.branch}:src/math.js`)).not.toContain('third round');
  },
  RUN_TIMEOUT_MS + 30_000,
);
