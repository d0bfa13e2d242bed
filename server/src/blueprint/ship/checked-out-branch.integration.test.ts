import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, it } from 'vitest';
import type { RunResponse } from '@tandem/shared/protocol/runs.js';
import { blueprintServerForFile, gitIn, runEnded, teamOn } from '../../../test-support/blueprint-fixtures.js';
import { waitFor } from '../../../test-support/test-server.js';

/**
 * A local repo's checked-out branch is never a push target, whoever the server runs as: the person
 * checks the run's branch out in their folder while the run waits at a gate before its push; the push
 * fails saying so, and neither the branch nor the folder moves. (The ownership test of local pushes
 * runs only as root; this one runs everywhere.) Driven through a whole run, so it holds whatever the
 * push step is handed.
 */
const world = blueprintServerForFile('checked-out-branch');
const shared = world.shared;
const RUN_TIMEOUT_MS = 60_000;

const BLUEPRINT = JSON.stringify({
  name: 'change-then-push',
  nodes: [
    { kind: 'run', id: 'change', title: 'Change', command: 'echo "a change" >> notes.txt' },
    { kind: 'commit', id: 'commit', title: 'Commit', message: 'A change' },
    { kind: 'gate', id: 'look', title: 'Look before pushing' },
    { kind: 'push', id: 'push', title: 'Push' },
  ],
});

it(
  'refuses to push onto the branch checked out in the person’s folder, and pushes once they switched away',
  async () => {
    const repo = path.join(world.reposDir, 'person-repo');
    await mkdir(path.join(repo, '.tandem/blueprints'), { recursive: true });
    await writeFile(path.join(repo, 'notes.txt'), 'notes\n');
    await writeFile(path.join(repo, '.tandem/blueprints/change-then-push.json'), BLUEPRINT);
    const git = (...args: string[]) => execFileSync('git', ['-C', repo, '-c', 'user.name=Origin', '-c', 'user.email=origin@example.com', ...args], { encoding: 'utf8' });
    git('init', '-q', '-b', 'main');
    git('add', '-A');
    git('commit', '-q', '-m', 'start');
    const baseSha = gitIn(repo, 'rev-parse', 'HEAD').trim();

    const team = await teamOn(shared, 'Checked-out branch', repo);
    const started = await shared.api.call<RunResponse>('POST', `/sessions/${team.sessionId}/runs`, team.ada.token, { blueprint: 'change-then-push', goal: 'A change' });
    expect(started.status).toBe(201);
    await waitFor(() => team.node('look')?.status === 'waiting', 'the run to wait at the gate', RUN_TIMEOUT_MS);
    const commit = team.run()!.commit!;
    expect(commit.branch).toMatch(/^tandem\//);

    // The person checks the run's branch out in their folder (at the base: they have not fetched it).
    git('checkout', '-q', '-b', commit.branch);
    expect((await shared.api.call('POST', `/sessions/${team.sessionId}/runs/current/nodes/look/approve`, team.bob.token)).status).toBe(200);
    await waitFor(() => runEnded(team.run()), 'the run to end', RUN_TIMEOUT_MS);
    const push = team.node('push')!;
    expect(push.status).toBe('failed');
    expect(JSON.stringify(push)).toContain(`${commit.branch} is checked out in`);
    expect(gitIn(repo, 'rev-parse', commit.branch).trim()).toBe(baseSha);
    expect(gitIn(repo, 'symbolic-ref', '--short', 'HEAD').trim()).toBe(commit.branch);
    expect(gitIn(repo, 'status', '--porcelain')).toBe('');
    expect(gitIn(repo, 'show', 'HEAD:notes.txt')).toBe('notes\n');

    // Switched away, the same push goes through: the refusal was about the checked-out branch.
    git('checkout', '-q', 'main');
    expect((await shared.api.call('POST', `/sessions/${team.sessionId}/runs/current/nodes/push/retry`, team.bob.token)).status).toBe(200);
    await waitFor(() => team.node('push')?.status === 'passed', 'the retried push', RUN_TIMEOUT_MS);
    expect(gitIn(repo, 'rev-parse', commit.branch).trim()).toBe(team.run()!.push!.sha);
    expect(gitIn(repo, 'show', `${commit.branch}:notes.txt`)).toBe('notes\na change\n');
    expect(gitIn(repo, 'rev-parse', 'main').trim()).toBe(baseSha);
  },
  RUN_TIMEOUT_MS * 3,
);
