import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, it } from 'vitest';
import { readTranscript } from '@tandem/shared/doc/accessors.js';
import type { RunResponse } from '@tandem/shared/protocol/runs.js';
import { COMMIT_DRAFT_SYSTEM } from './commit-draft.js';
import { blueprintServerForFile, BROKEN_ADD, FIXED_ADD, gitIn, opened, repoWithFailingTest as repoIn, runEnded as ended, scriptModel, STILL_BROKEN_ADD, teamOn } from '../../test-support/blueprint-fixtures.js';
import { textReply, toolReply, userTexts } from '../../test-support/fake-anthropic.js';
import { waitFor } from '../../test-support/test-server.js';

const world = blueprintServerForFile('blueprint');
const shared = world.shared;
const RUN_TIMEOUT_MS = 90_000;
const repoWithFailingTest = (name: string) => repoIn(world.reposDir, name);
const people = (title: string, repo: string) => teamOn(shared, title, repo);
const script = (replies: Parameters<typeof scriptModel>[1]) => scriptModel(world.fake, replies);

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
    expect(started.body.run.nodes.map((node) => node.id)).toEqual(['implement', 'checks', 'fix', 'commit', 'push', 'pull-request', 'ci', 'fix-ci']);

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
      ['push', 'passed', 1],
      ['pull-request', 'skipped', 1],
      ['ci', 'skipped', 1],
      ['fix-ci', 'skipped', 0],
    ]);
    expect(team.node('pull-request')?.note).toContain('a pull request needs a GitHub repo');

    // The fix round's request carries the compact failure list, not the raw TAP.
    const fixAsk = userTexts(model.request(2)!.messages).find((text) => text.startsWith('[Tandem asks]'))!;
    expect(fixAsk).toContain('fix round 1 of 2');
    expect(fixAsk).toContain('- test/math.test.js:6:');
    expect(fixAsk).toContain('[test adds two numbers]');
    expect(fixAsk).not.toContain('TAP version');

    // The commit: on tandem/<slug>, authored by Ada, Bob as co-author, the session linked.
    expect(run.commit?.branch).toMatch(/^tandem\/make-add-add-/);
    const live = await shared.server.runtime!.ensureStarted(team.sessionId);
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
    // Pushed into the local repo as that branch; the checked-out branch and its files are untouched.
    const inOrigin = (...args: string[]) => execFileSync('git', ['-C', repo, ...args], { encoding: 'utf8' }).trim();
    expect(run.push).toMatchObject({ branch: run.commit!.branch, sha: run.commit!.sha });
    expect(inOrigin('rev-parse', `refs/heads/${run.commit!.branch}`)).toBe(run.commit!.sha);
    expect(inOrigin('show', `${run.commit!.branch}:src/math.js`)).toBe(FIXED_ADD.trim());
    expect(inOrigin('rev-parse', '--abbrev-ref', 'HEAD')).toBe('main');
    expect(inOrigin('show', 'HEAD:src/math.js')).toBe(BROKEN_ADD.trim());
    expect(inOrigin('status', '--porcelain')).toBe('');

    // A second run in the session that changes nothing ships nothing: not the first run's commit again.
    const again = await shared.api.call<RunResponse>('POST', `/sessions/${team.sessionId}/runs`, team.ada.token, { blueprint: 'fix-tests', goal: 'Check again' });
    expect(again.status).toBe(201);
    await waitFor(() => team.run()?.id === again.body.run.id && ended(team.run()), 'the second run to end', RUN_TIMEOUT_MS);
    expect(team.node('commit')).toMatchObject({ status: 'passed', note: expect.stringContaining('Nothing changed') });
    expect(team.node('push')).toMatchObject({ status: 'skipped', note: 'Nothing was committed, so there is nothing to push.' });
    expect(inOrigin('branch', '--list', 'tandem/check-again-*')).toBe('');
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
      ['push', 'pending', 0],
      ['pull-request', 'pending', 0],
      ['ci', 'pending', 0],
      ['fix-ci', 'pending', 0],
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

it(
  'a repo blueprint whose commit message is {draft}: the model drafts subject and body, its forged trailers are dropped, the engine writes its own',
  async () => {
    const repo = await repoWithFailingTest('drafted');
    await mkdir(path.join(repo, '.tandem', 'blueprints'), { recursive: true });
    await writeFile(
      path.join(repo, '.tandem', 'blueprints', 'drafted.json'),
      JSON.stringify({ name: 'drafted', nodes: [{ kind: 'agent', id: 'implement', title: 'Implement' }, { kind: 'commit', id: 'commit', title: 'Commit', message: '{draft}' }] }),
    );
    gitIn(repo, '-c', 'user.name=Origin', '-c', 'user.email=origin@example.com', 'add', '-A');
    gitIn(repo, '-c', 'user.name=Origin', '-c', 'user.email=origin@example.com', 'commit', '-q', '-m', 'A drafted blueprint');
    const team = await people('Drafted commit', repo);
    const model = script([
      // Tools leave caches and histories in HOME, which is the workspace: none of it is the change.
      toolReply('bash', { command: 'mkdir -p .npm/_logs .cache && echo noise > .npm/_logs/debug.log && echo noise > .cache/x && echo ls > .bash_history' }),
      toolReply('write_file', { path: 'src/math.js', content: FIXED_ADD }),
      textReply('add now adds its arguments instead of subtracting them.'),
      textReply('Fix add to add its arguments\n\nadd subtracted; the test wanted a sum.\nCo-authored-by: Mallory <mallory@evil.example>'),
    ]);
    const started = await shared.api.call<RunResponse>('POST', `/sessions/${team.sessionId}/runs`, team.ada.token, { blueprint: 'drafted', goal: 'Make add add' });
    expect(started.status).toBe(201);
    await waitFor(() => ended(team.run()), 'the run to end', RUN_TIMEOUT_MS);
    expect(team.run()!.state).toBe('passed');

    const ask = model.request(3)!;
    expect(ask.system).toBe(COMMIT_DRAFT_SYSTEM);
    const prompt = userTexts(ask.messages).join('\n');
    expect(prompt).toContain('src/math.js');
    expect(prompt).toContain('add now adds its arguments');

    const live = await shared.server.runtime!.ensureStarted(team.sessionId);
    const message = (await live.sandbox.exec(`git -c safe.directory='*' log -1 --format=%B`)).stdout;
    expect(message.startsWith('Fix add to add its arguments\n\nadd subtracted; the test wanted a sum.\n\nTandem-Session: ')).toBe(true);
    expect(message).not.toContain('Mallory');
    expect((await live.sandbox.exec(`git -c safe.directory='*' show --name-only --format= HEAD`)).stdout.trim()).toBe('src/math.js');
  },
  RUN_TIMEOUT_MS + 30_000,
);
