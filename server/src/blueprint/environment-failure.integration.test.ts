import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, it } from 'vitest';
import type { RunResponse } from '@tandem/shared/protocol/runs.js';
import { blueprintServerForFile, gitIn, runEnded, scriptModel, teamOn } from '../../test-support/blueprint-fixtures.js';
import { textReply } from '../../test-support/fake-anthropic.js';
import { waitFor } from '../../test-support/test-server.js';

const world = blueprintServerForFile('environment-failure');
const RUN_TIMEOUT_MS = 60_000;

/** A repo whose test script runs a tool the sandbox does not have (pnpm is not installed here): `sh: 1: pnpm: not found`, exit 127. */
async function repoWithMissingTool(name: string): Promise<string> {
  const dir = path.join(world.reposDir, name);
  await mkdir(path.join(dir, 'src'), { recursive: true });
  await writeFile(path.join(dir, 'package.json'), JSON.stringify({ name, type: 'module', scripts: { test: 'pnpm exec jest' } }, null, 2));
  await writeFile(path.join(dir, 'src/math.js'), 'export const add = (a, b) => a + b;\n');
  gitIn(dir, 'init', '-q', '-b', 'main');
  gitIn(dir, '-c', 'user.name=Origin', '-c', 'user.email=origin@example.com', 'add', '-A');
  gitIn(dir, '-c', 'user.name=Origin', '-c', 'user.email=origin@example.com', 'commit', '-q', '-m', 'start');
  return dir;
}

it(
  'a check whose tool is not installed (exit 127) is an environment failure: the run hands back at once saying what is missing and how to fix the setup, and the model gets no fix request',
  async () => {
    const repo = await repoWithMissingTool('missing-pnpm');
    const team = await teamOn(world.shared, 'Missing pnpm', repo);
    const model = scriptModel(world.fake, [textReply('A fix round must not happen.')]);
    const started = await world.shared.api.call<RunResponse>('POST', `/sessions/${team.sessionId}/runs`, team.ada.token, { blueprint: 'fix-tests', goal: 'Make the tests pass' });
    expect(started.status).toBe(201);
    await waitFor(() => runEnded(team.run()), 'the run to end', RUN_TIMEOUT_MS);

    const run = team.run()!;
    expect(run.state).toBe('handed-back');
    expect(run.summary).toMatch(/^The checks could not run: an environment problem, not the code/);
    expect(run.summary).toContain("`pnpm` is not installed in the sandbox: add it to .tandem/setup.sh (or the repo's setup) and rebuild the snapshot.");
    const checks = team.node('checks')!;
    expect(checks).toMatchObject({ status: 'failed', attempt: 1 });
    expect(checks.failures).toHaveLength(1);
    expect(checks.failures[0]).toMatchObject({ kind: 'environment', check: 'test' });
    expect(checks.failures[0]!.message).toContain('pnpm: not found');
    expect(checks.excerpt).toContain('could not run (environment)');
    expect(team.node('fix')).toMatchObject({ status: 'pending', attempt: 0 });
    expect(team.node('commit')).toMatchObject({ status: 'pending', attempt: 0 });
    // No fix round: the model was never asked anything.
    expect(model.count()).toBe(0);
  },
  RUN_TIMEOUT_MS + 30_000,
);
