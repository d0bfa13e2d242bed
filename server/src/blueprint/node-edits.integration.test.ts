import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, it } from 'vitest';
import { readTranscript } from '@tandem/shared/doc/accessors.js';
import { readRun } from '@tandem/shared/doc/run-accessors.js';
import type { IdentityResponse } from '@tandem/shared/protocol/http.js';
import type { RunResponse } from '@tandem/shared/protocol/runs.js';
import { textReply, userTexts } from '../../test-support/fake-anthropic.js';
import { blueprintServerForFile } from '../../test-support/blueprint-fixtures.js';
import { connectPeer, waitFor, waitForSync } from '../../test-support/test-server.js';
import { MAX_FIX_ROUNDS } from './blueprint-schema.js';

const world = blueprintServerForFile('node-edits');
const shared = world.shared;
const RUN_TIMEOUT_MS = 90_000;

const EDITABLE_YAML = [
  'name: editable',
  'nodes:',
  '  - { kind: gate, id: go, title: Go ahead }',
  '  - { kind: agent, id: implement, title: Implement, goal: "{goal}" }',
  '  - { kind: run, id: build, title: Build, command: echo "the original build" }',
  '  - { kind: checks, id: checks, title: Checks, commands: [{ name: test, command: node --test, tool: node-test }] }',
  '  - { kind: fix, id: fix, title: Fix, checks: checks }',
  '  - { kind: commit, id: commit, title: Commit, message: "{goal}" }',
  '',
].join('\n');

/** A repo whose one test fails (and no model reply here fixes it), with the editable blueprint. */
async function repo(): Promise<string> {
  const dir = path.join(world.reposDir, 'editable');
  await mkdir(path.join(dir, '.tandem/blueprints'), { recursive: true });
  await mkdir(path.join(dir, 'test'), { recursive: true });
  await writeFile(path.join(dir, '.tandem/blueprints/editable.yaml'), EDITABLE_YAML);
  await writeFile(path.join(dir, 'package.json'), JSON.stringify({ name: 'editable', type: 'module' }));
  await writeFile(path.join(dir, 'test/fails.test.js'), "import { test } from 'node:test';\nimport assert from 'node:assert/strict';\ntest('fails', () => assert.equal(1, 2));\n");
  const git = (...args: string[]) => execFileSync('git', ['-C', dir, '-c', 'user.name=Origin', '-c', 'user.email=origin@example.com', ...args], { encoding: 'utf8' });
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-q', '-m', 'start');
  return dir;
}

it(
  'an editor edits steps that have not run (goal, command, rounds within the bound, commit message), attributed in the transcript; the engine uses the new values; a step that ran is refused with a 409',
  async () => {
    const repoDir = await repo();
    const [ada, bob, vic] = (await Promise.all(['Ada', 'Bob', 'Vic'].map((name) => shared.api.identity(name)))) as [IdentityResponse, IdentityResponse, IdentityResponse];
    const sessionId = await shared.api.createSession(ada.token, 'Edit the steps', repoDir);
    await shared.api.join(bob.token, (await shared.api.share(ada.token, sessionId, 'editor')).token);
    await shared.api.join(vic.token, (await shared.api.share(ada.token, sessionId, 'viewer')).token);
    const tab = connectPeer(shared.server.url, sessionId, vic.token);
    shared.peers.push(tab);
    await waitForSync(tab);
    const node = (id: string) => readRun(tab.doc)?.nodes.find((candidate) => candidate.id === id);
    const notices = () => readTranscript(tab.doc).flatMap((entry) => (entry.kind === 'system-notice' ? [entry.text] : []));
    const offset = world.fake.requests.length;
    world.fake.setScript(() => textReply('I looked; nothing to change.'));
    const edit = (nodeId: string, body: unknown, token = bob.token) => shared.api.call<RunResponse & { error?: { message: string } }>('PATCH', `/sessions/${sessionId}/runs/current/nodes/${nodeId}`, token, body);

    const started = await shared.api.call<RunResponse>('POST', `/sessions/${sessionId}/runs`, ada.token, { blueprint: 'editable', goal: 'Make the test pass' });
    expect(started.status).toBe(201);
    await waitFor(() => node('go')?.status === 'waiting', 'the gate to wait', RUN_TIMEOUT_MS);
    expect(node('implement')?.params).toEqual({ goal: '{goal}' });
    expect(node('fix')).toMatchObject({ params: { maxRounds: 2 }, maxAttempts: 2 });

    // Who may edit what.
    expect((await edit('build', { command: 'echo hacked' }, vic.token)).status).toBe(403);
    const waiting = await edit('go', { goal: 'x' });
    expect(waiting.status).toBe(409);
    expect(waiting.body.error?.message).toBe('“Go ahead” is waiting for approval; only steps that have not run yet can be edited.');
    const wrongField = await edit('build', { goal: 'x' });
    expect(wrongField.status).toBe(400);
    expect(wrongField.body.error?.message).toBe("A run step's command can be edited, not its goal.");
    expect((await edit('build', {})).status).toBe(400);
    const tooMany = await edit('fix', { maxRounds: MAX_FIX_ROUNDS + 1 });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error?.message).toContain(`<=${MAX_FIX_ROUNDS}`);

    // The edits people make while the gate waits.
    expect((await edit('implement', { goal: 'Edited goal: {goal}, and keep it small' })).status).toBe(200);
    // The edited build leaves a file behind, so the commit has something to commit.
    expect((await edit('build', { command: 'echo "the edited build" | tee build.txt' })).status).toBe(200);
    const rounds = await edit('fix', { maxRounds: 1 });
    expect(rounds.status).toBe(200);
    expect(rounds.body.run.nodes.find((candidate) => candidate.id === 'checks')?.maxAttempts).toBe(2);
    expect((await edit('commit', { message: 'Edited subject from Bob' })).status).toBe(200);
    await waitFor(() => node('commit')?.params?.message === 'Edited subject from Bob', 'the edited message in the doc');
    await waitFor(() => notices().includes('Bob edited “Build”: command “echo "the edited build" | tee build.txt” (was “echo "the original build"”).'), 'Bob’s edit in the transcript');
    expect(notices()).toContain('Bob edited “Fix”: rounds 1 (was 2).');

    expect((await shared.api.call('POST', `/sessions/${sessionId}/runs/current/nodes/go/approve`, bob.token)).status).toBe(200);
    await waitFor(() => readRun(tab.doc)?.state === 'handed-back', 'the run to hand back after its one fix round', RUN_TIMEOUT_MS);

    // The engine used the edited values: the goal the model got, the command run, one fix round only.
    const implementAsk = userTexts(world.fake.requests[offset]!.body.messages).join('\n');
    expect(implementAsk).toContain('Edited goal: Make the test pass, and keep it small');
    expect(node('build')).toMatchObject({ status: 'passed', excerpt: expect.stringContaining('the edited build') });
    expect(node('build')?.excerpt).not.toContain('original');
    expect(readRun(tab.doc)?.summary).toContain('after 1 fix round');
    expect(node('checks')).toMatchObject({ status: 'failed', attempt: 2, maxAttempts: 2 });
    expect(world.fake.requests.length - offset).toBe(2);

    // A step that ran is refused.
    const ran = await edit('build', { command: 'echo again' });
    expect(ran.status).toBe(409);
    expect(ran.body.error?.message).toBe('“Build” has run already (passed); only steps that have not run yet can be edited.');

    // The commit, still pending, lands with Bob's message once the checks are skipped; Bob, who steered by editing, co-authors it.
    expect((await shared.api.call('POST', `/sessions/${sessionId}/runs/current/nodes/checks/skip`, bob.token)).status).toBe(200);
    await waitFor(() => node('commit')?.status === 'passed', 'the commit', RUN_TIMEOUT_MS);
    const live = await shared.server.runtime!.ensureStarted(sessionId);
    const log = await live.sandbox.exec(`git -c safe.directory='*' log -1 --format='%s%n%b'`);
    expect(log.stdout.split('\n')[0]).toBe('Edited subject from Bob');
    expect(log.stdout).toContain(`Co-authored-by: Bob <${bob.user.id}@users.tandem.invalid>`);
  },
  RUN_TIMEOUT_MS * 2,
);
