import { execFileSync } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readTranscript } from '../../../shared/src/doc/accessors.js';
import { readRun } from '../../../shared/src/doc/run-accessors.js';
import type { RunView } from '../../../shared/src/doc/run-schema.js';
import type { RunResponse } from '../../../shared/src/protocol/runs.js';
import type { IdentityResponse } from '../../../shared/src/protocol/http.js';
import { FAKE_API_KEY, startFakeAnthropic, textReply, toolReply, userTexts, type FakeAnthropic, type FakeReply } from '../../test-support/fake-anthropic.js';
import { serverForFile } from '../../test-support/server-per-file.js';
import { connectPeer, makeTempDir, waitFor, waitForSync, withModelAt } from '../../test-support/test-server.js';

let fake: FakeAnthropic;
let reposDir = '';
beforeAll(async () => {
  fake = await startFakeAnthropic();
  reposDir = await makeTempDir('blueprint-repos');
});
afterAll(async () => {
  await fake.close();
  await rm(reposDir, { recursive: true, force: true });
});
const shared = serverForFile('blueprint', { sandboxes: true }, (config) => {
  const withModel = withModelAt(fake.url, FAKE_API_KEY)(config);
  return { ...withModel, sandbox: { ...withModel.sandbox, repoRoots: [...withModel.sandbox.repoRoots, reposDir] } };
});
const RUN_TIMEOUT_MS = 90_000;

const BROKEN_ADD = 'export const add = (a, b) => a - b;\n';
const STILL_BROKEN_ADD = 'export const add = (a, b) => a * b;\n';
const FIXED_ADD = 'export const add = (a, b) => a + b;\n';

/** A git repo whose one node:test test fails: `add` subtracts. Checked out on `main`. */
async function repoWithFailingTest(name: string): Promise<string> {
  const dir = path.join(reposDir, name);
  await mkdir(path.join(dir, 'src'), { recursive: true });
  await mkdir(path.join(dir, 'test'), { recursive: true });
  await writeFile(path.join(dir, 'package.json'), JSON.stringify({ name, type: 'module', scripts: { test: 'node --test' } }, null, 2));
  await writeFile(path.join(dir, 'src/math.js'), BROKEN_ADD);
  await writeFile(
    path.join(dir, 'test/math.test.js'),
    "import { test } from 'node:test';\nimport assert from 'node:assert/strict';\nimport { add } from '../src/math.js';\n\ntest('adds two numbers', () => {\n  assert.equal(add(2, 3), 5);\n});\n",
  );
  const git = (...args: string[]) => execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8' });
  git('init', '-q', '-b', 'main');
  git('-c', 'user.name=Origin', '-c', 'user.email=origin@example.com', 'add', '-A');
  git('-c', 'user.name=Origin', '-c', 'user.email=origin@example.com', 'commit', '-q', '-m', 'start');
  return dir;
}

async function people(title: string, repo: string) {
  const [ada, bob, vic] = (await Promise.all(['Ada', 'Bob', 'Vic'].map((name) => shared.api.identity(name)))) as [IdentityResponse, IdentityResponse, IdentityResponse];
  const sessionId = await shared.api.createSession(ada.token, title, repo);
  await shared.api.join(bob.token, (await shared.api.share(ada.token, sessionId, 'editor')).token);
  await shared.api.join(vic.token, (await shared.api.share(ada.token, sessionId, 'viewer')).token);
  const tab = connectPeer(shared.server.url, sessionId, vic.token);
  shared.peers.push(tab);
  await waitForSync(tab);
  const run = () => readRun(tab.doc);
  const node = (id: string) => run()?.nodes.find((candidate) => candidate.id === id);
  return { ada, bob, vic, sessionId, tab, run, node };
}

/** Answers this test's n-th model request with `replies[n]`. */
function script(replies: Array<FakeReply | (() => FakeReply | Promise<FakeReply>)>) {
  const offset = fake.requests.length;
  fake.setScript((_request, index) => {
    const reply = replies[index - offset] ?? textReply('Nothing more to do.');
    return typeof reply === 'function' ? reply() : reply;
  });
  return { request: (n: number) => fake.requests[offset + n]?.body, count: () => fake.requests.length - offset };
}

function opened() {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { open, promise };
}

const ended = (run: RunView | undefined) => run !== undefined && !['running', 'waiting'].includes(run.state);

it(
  'implement: the first edit leaves the test failing, the check card shows file:line, the fix gets the compact list, the second edit passes, the commit is Ada’s with Bob as co-author',
  async () => {
    const repo = await repoWithFailingTest('implement-green');
    const team = await people('Implement add', repo);
    const bobSteered = opened();
    const cardSeen = opened();
    const model = script([
      // implement: a wrong edit, paused until Bob has steered, so his steer lands at the tool boundary.
      toolReply('write_file', { path: 'src/math.js', content: STILL_BROKEN_ADD }, 'I will fix add.', { pause: { afterEvents: 2, until: bobSteered.promise } }),
      textReply('Done: add is fixed.'),
      // fix round 1: held until the test has seen the failure card.
      () => cardSeen.promise.then(() => toolReply('write_file', { path: 'src/math.js', content: FIXED_ADD })),
      textReply('Fixed: add adds now.'),
    ]);

    const forbidden = await shared.api.call('POST', `/sessions/${team.sessionId}/runs`, team.vic.token, { blueprint: 'implement', goal: 'Make add add' });
    expect(forbidden.status).toBe(403);
    const started = await shared.api.call<RunResponse>('POST', `/sessions/${team.sessionId}/runs`, team.ada.token, { blueprint: 'implement', goal: 'Make add add' });
    expect(started.status).toBe(201);
    expect(started.body.run.nodes.map((node) => node.id)).toEqual(['implement', 'checks', 'fix', 'commit']);

    await waitFor(() => model.count() >= 1, 'the implement node to ask the model', 30_000);
    const steer = await shared.api.call('POST', `/sessions/${team.sessionId}/messages`, team.bob.token, { text: 'Remember: add must add.', delivery: 'steer' });
    expect(steer.status).toBe(201);
    bobSteered.open();

    // The check card: the failing test at its file and line, attempt 1 of 3.
    await waitFor(() => (team.node('checks')?.failures.length ?? 0) > 0, 'the failing check card', 60_000);
    const card = team.node('checks')!;
    expect(card).toMatchObject({ status: 'failed', attempt: 1, maxAttempts: 3 });
    expect(card.failures[0]).toMatchObject({ tool: 'node-test', check: 'test', file: 'test/math.test.js', line: 6, test: 'adds two numbers' });
    expect(card.excerpt).toContain('✗ test');
    await waitFor(() => team.node('fix')?.status === 'running', 'the fix round to start', 30_000);
    expect(team.node('fix')).toMatchObject({ attempt: 1, maxAttempts: 2 });
    cardSeen.open();

    await waitFor(() => ended(team.run()), 'the run to end', RUN_TIMEOUT_MS);
    const run = team.run()!;
    expect(run.state).toBe('passed');
    expect(run.nodes.map((node) => [node.id, node.status, node.attempt])).toEqual([
      ['implement', 'passed', 1],
      ['checks', 'passed', 2],
      ['fix', 'passed', 1],
      ['commit', 'passed', 1],
    ]);

    // The fix round's request carries the compact failure list, not the raw TAP.
    const fixAsk = userTexts(model.request(2)!.messages).find((text) => text.startsWith('[Tandem asks]'))!;
    expect(fixAsk).toContain('fix round 1 of 2');
    expect(fixAsk).toContain('- test/math.test.js:6:');
    expect(fixAsk).toContain('[test adds two numbers]');
    expect(fixAsk).not.toContain('TAP version');

    // The commit: on tandem/<slug>, authored by Ada, Bob as co-author, the session linked; the origin untouched.
    expect(run.commit?.branch).toMatch(/^tandem\/make-add-add-/);
    const live = await shared.server.runtime!.ensureStarted(team.sessionId, repo);
    const log = await live.sandbox.exec(`git -c safe.directory='*' log -1 --format='%an <%ae>%n%cn%n%D%n%B'`);
    const [author, committer, refs, ...body] = log.stdout.split('\n');
    expect(author).toBe(`Ada <${team.ada.user.id}@users.tandem.invalid>`);
    expect(committer).toBe('Tandem');
    expect(refs).toContain(run.commit!.branch);
    const message = body.join('\n');
    expect(message).toContain('Make add add');
    expect(message).toContain(`Co-authored-by: Bob <${team.bob.user.id}@users.tandem.invalid>`);
    expect(message).toContain(`Tandem-Session: ${team.sessionId}`);
    expect(message).not.toContain('Co-authored-by: Ada');
    const originBranch = execFileSync('git', ['-C', repo, 'rev-parse', '--abbrev-ref', 'HEAD'], { encoding: 'utf8' }).trim();
    expect(originBranch).toBe('main');
    expect(execFileSync('git', ['-C', repo, 'branch', '--list', 'tandem/*'], { encoding: 'utf8' })).toBe('');
    expect(execFileSync('git', ['-C', repo, 'show', 'HEAD:src/math.js'], { encoding: 'utf8' })).toBe(BROKEN_ADD);
  },
  RUN_TIMEOUT_MS + 30_000,
);

it(
  'a run whose fixes never pass stops after 2 fix rounds and hands back with a summary; a third round never starts',
  async () => {
    const repo = await repoWithFailingTest('never-green');
    const team = await people('Never green', repo);
    const model = script([textReply('I looked; nothing to change.'), textReply('Still nothing.'), textReply('Nothing again.'), textReply('A third round must not happen.')]);
    const started = await shared.api.call<RunResponse>('POST', `/sessions/${team.sessionId}/runs`, team.ada.token, { blueprint: 'implement', goal: 'Make add add' });
    expect(started.status).toBe(201);
    await waitFor(() => ended(team.run()), 'the run to hand back', RUN_TIMEOUT_MS);
    const run = team.run()!;
    expect(run.state).toBe('handed-back');
    expect(run.summary).toContain('after 2 fix rounds');
    expect(run.summary).toContain('test/math.test.js:6');
    expect(run.nodes.map((node) => [node.id, node.status, node.attempt])).toEqual([
      ['implement', 'passed', 1],
      ['checks', 'failed', 3],
      ['fix', 'passed', 2],
      ['commit', 'pending', 0],
    ]);
    // implement + two fix rounds asked the model; the third round's reply was never requested.
    expect(model.count()).toBe(3);
    // The notice is its own write after the run's state: it reaches the tab a relay later.
    await waitFor(() => readTranscript(team.tab.doc).some((entry) => entry.kind === 'system-notice' && entry.text.includes('Over to you')), 'the hand-back notice');
    expect(run.commit).toBeUndefined();

    // A viewer cannot act on a step; an editor's retry is attributed in the transcript.
    const viewerRetry = await shared.api.call('POST', `/sessions/${team.sessionId}/runs/current/nodes/checks/retry`, team.vic.token);
    expect(viewerRetry.status).toBe(403);
    const skipDone = await shared.api.call('POST', `/sessions/${team.sessionId}/runs/current/nodes/implement/skip`, team.bob.token);
    expect(skipDone.status).toBe(409);
    const skip = await shared.api.call<RunResponse>('POST', `/sessions/${team.sessionId}/runs/current/nodes/checks/skip`, team.bob.token);
    expect(skip.status).toBe(200);
    await waitFor(() => ended(team.run()) && team.node('commit')?.status === 'passed', 'the skipped run to commit', 30_000);
    await waitFor(() => readTranscript(team.tab.doc).some((entry) => entry.kind === 'system-notice' && entry.text === 'Bob skipped “Checks”.'), 'Bob’s skip in the transcript');
  },
  RUN_TIMEOUT_MS + 30_000,
);
