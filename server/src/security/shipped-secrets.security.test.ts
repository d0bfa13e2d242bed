import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, it } from 'vitest';
import type { RunResponse } from '@tandem/shared/protocol/runs.js';
import { blueprintRuns } from '../db/schema.js';
import { leakedPieces, LONG_VALUE } from '../../test-support/attacks/secret-leaks.js';
import { blueprintServerForFile, FIXED_ADD, gitIn, repoWithFailingTest, runEnded, scriptModel, teamOn } from '../../test-support/blueprint-fixtures.js';
import { textReply, toolReply } from '../../test-support/fake-anthropic.js';
import { waitFor } from '../../test-support/test-server.js';

/**
 * Issue 16, break 4 on the way out: a prompt-injected model that knows a secret's value writes it into
 * the commit message it drafts. What leaves Tandem (the pushed commit) and what the store keeps (the
 * run record) carry the marker, never the value.
 */
const world = blueprintServerForFile('shipped-secrets');
const RUN_TIMEOUT_MS = 90_000;

it(
  'a drafted commit message holding a secret is pushed and stored with the marker instead',
  async () => {
    const repo = await repoWithFailingTest(world.reposDir, 'shipped-secret');
    await mkdir(path.join(repo, '.tandem', 'blueprints'), { recursive: true });
    await writeFile(
      path.join(repo, '.tandem', 'blueprints', 'ship.json'),
      JSON.stringify({
        name: 'ship',
        nodes: [
          { kind: 'agent', id: 'implement', title: 'Implement' },
          { kind: 'commit', id: 'commit', title: 'Commit', message: '{draft}' },
          { kind: 'push', id: 'push', title: 'Push' },
        ],
      }),
    );
    gitIn(repo, '-c', 'user.name=Origin', '-c', 'user.email=origin@example.com', 'add', '-A');
    gitIn(repo, '-c', 'user.name=Origin', '-c', 'user.email=origin@example.com', 'commit', '-q', '-m', 'A shipping blueprint');
    await world.shared.server.secrets.put({ scope: 'repo', repo, name: 'LONG_TOKEN', value: LONG_VALUE, by: 'test' });
    const team = await teamOn(world.shared, 'Shipped secret', repo);
    scriptModel(world.fake, [
      toolReply('write_file', { path: 'src/math.js', content: FIXED_ADD }),
      textReply('add adds now.'),
      // The commit draft.
      textReply(`Fix add for ${LONG_VALUE}\n\nThe key ${LONG_VALUE.toLowerCase()} was used to test it.`),
    ]);
    const started = await world.shared.api.call<RunResponse>('POST', `/sessions/${team.sessionId}/runs`, team.ada.token, { blueprint: 'ship', goal: 'Make add add' });
    expect(started.status).toBe(201);
    await waitFor(() => runEnded(team.run()), 'the run to end', RUN_TIMEOUT_MS);
    const run = team.run()!;
    expect(run.state).toBe('passed');

    const message = execFileSync('git', ['-C', repo, 'log', '-1', '--format=%B', run.commit!.sha], { encoding: 'utf8' });
    expect(message.split('\n')[0]).toBe('Fix add for [secret LONG_TOKEN]');
    expect(leakedPieces(message), 'the pushed commit message').toEqual([]);
    const records = await world.shared.server.database.db.select().from(blueprintRuns);
    expect(records.length).toBeGreaterThan(0);
    expect(leakedPieces(JSON.stringify(records)), 'the stored run records').toEqual([]);
  },
  RUN_TIMEOUT_MS + 30_000,
);
