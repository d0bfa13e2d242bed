import { execFileSync } from 'node:child_process';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunResponse } from '@tandem/shared/protocol/runs.js';
import { FIXED_ADD, gitIn, repoWithFailingTest, runEnded, scriptModel, teamOn } from '../../../test-support/blueprint-fixtures.js';
import { FAKE_API_KEY, startFakeAnthropic, textReply, toolReply, type FakeAnthropic } from '../../../test-support/fake-anthropic.js';
import { startFakeGitHttp, type FakeGitHttp } from '../../../test-support/fake-git-http.js';
import { startFakeGitHubRest, type FakeGitHubRest } from '../../../test-support/fake-github-rest.js';
import { serverForFile } from '../../../test-support/server-per-file.js';
import { makeTempDir, waitFor, withModelAt } from '../../../test-support/test-server.js';

/**
 * "The token never in argv": a GitHub run pushes while every git the server starts goes through a
 * `git` first on PATH that writes down its arguments (what `ps` and /proc/<pid>/cmdline show every
 * user of the machine) before it runs the real git. Neither the token nor the basic-auth header made
 * from it may be among them.
 */
const TOKEN = 'ghp_tandemArgvToken0123456789abcdef';
const BASIC = Buffer.from(`x-access-token:${TOKEN}`).toString('base64');
let fake: FakeAnthropic;
let github: FakeGitHubRest;
let gitHost: FakeGitHttp;
let reposDir = '';
let wrapperDir = '';
let argvLog = '';
const originalPath = process.env.PATH;

beforeAll(async () => {
  reposDir = await makeTempDir('github-argv');
  wrapperDir = path.join(reposDir, 'bin');
  argvLog = path.join(reposDir, 'git-argv.log');
  const realGit = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
  await mkdir(wrapperDir, { recursive: true });
  await writeFile(argvLog, '');
  await chmod(argvLog, 0o666);
  // The server's git gets PATH but no other variable of the test's: the log's path is written into the script.
  await writeFile(path.join(wrapperDir, 'git'), `#!/bin/sh\n{ printf 'git'; for arg in "$@"; do printf ' [%s]' "$arg"; done; printf '\\n'; } >> '${argvLog}'\nexec '${realGit}' "$@"\n`);
  await chmod(wrapperDir, 0o755);
  await chmod(path.join(wrapperDir, 'git'), 0o755);
  process.env.PATH = `${wrapperDir}:${originalPath}`;
  fake = await startFakeAnthropic();
  github = await startFakeGitHubRest({ token: TOKEN, repos: [{ owner: 'acme', name: 'argv', defaultBranch: 'main' }] });
  gitHost = await startFakeGitHttp(path.join(reposDir, 'github'));
});
afterAll(async () => {
  process.env.PATH = originalPath;
  await Promise.all([fake?.close(), github?.close(), gitHost?.close()]);
  await rm(reposDir, { recursive: true, force: true });
});
const shared = serverForFile('github-argv', { sandboxes: true }, (config) => {
  const withModel = withModelAt(fake.url, FAKE_API_KEY)(config);
  return {
    ...withModel,
    sandbox: { ...withModel.sandbox, repoRoots: [...withModel.sandbox.repoRoots, reposDir] },
    github: { webUrl: 'https://github.test', apiUrl: github.url, gitUrl: gitHost.url, token: TOKEN },
  };
});
const RUN_TIMEOUT_MS = 120_000;

it(
  'pushes to GitHub with the token in no git command line',
  async () => {
    const work = await repoWithFailingTest(reposDir, 'argv-work');
    const bare = path.join(reposDir, 'github', 'acme', 'argv.git');
    await mkdir(path.dirname(bare), { recursive: true });
    execFileSync('git', ['clone', '-q', '--bare', work, bare]);
    execFileSync('git', ['-C', bare, 'config', 'http.receivepack', 'true']);
    const team = await teamOn(shared, 'Argv', `${gitHost.url}/acme/argv.git`);
    github.setCi(() => ({ checkRuns: [{ id: 1, name: 'test', status: 'completed', conclusion: 'success' }] }));
    scriptModel(fake, [toolReply('write_file', { path: 'src/math.js', content: FIXED_ADD }), textReply('add adds now.')]);
    await writeFile(argvLog, '');

    const started = await shared.api.call<RunResponse>('POST', `/sessions/${team.sessionId}/runs`, team.ada.token, { blueprint: 'implement', goal: 'Make add add' });
    expect(started.status).toBe(201);
    await waitFor(() => runEnded(team.run()), 'the run to end', RUN_TIMEOUT_MS);
    const run = team.run()!;
    expect(run.nodes.find((node) => node.id === 'push')?.status).toBe('passed');
    expect(gitIn(bare, 'rev-parse', `refs/heads/${run.commit!.branch}`).trim()).toBe(run.push!.sha);
    // The token did travel, as a header git was given through its environment.
    expect(gitHost.authorizations).toContain(`Basic ${BASIC}`);

    const log = await readFile(argvLog, 'utf8');
    const pushes = log.split('\n').filter((line) => line.includes(' [push]'));
    expect(pushes.length, `the wrapper saw the server's git push:\n${log}`).toBeGreaterThan(0);
    for (const secret of [TOKEN, BASIC]) expect(log).not.toContain(secret);
  },
  RUN_TIMEOUT_MS + 30_000,
);
