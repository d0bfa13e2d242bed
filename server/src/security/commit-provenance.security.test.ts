import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, it } from 'vitest';
import type { RunResponse } from '@tandem/shared/protocol/runs.js';
import { COMMIT_FORGERY_LOOP, FORGED_FILE, FORGER_NAME } from '../../test-support/attacks/commit-forgery.js';
import { blueprintServerForFile, FIXED_ADD, gitIn, repoWithFailingTest, runEnded, scriptModel, teamOn } from '../../test-support/blueprint-fixtures.js';
import { textReply, toolReply } from '../../test-support/fake-anthropic.js';
import { waitFor } from '../../test-support/test-server.js';

/**
 * Issue 16, break 6: the commit that leaves Tandem is the server's. A process left running in the
 * sandbox rewrites the run's branch there the moment it is committed (another author, a forged
 * co-author, no session trailer, a backdoor in the tree); the repo still gets exactly the commit the
 * server made: the person as author, Tandem as committer, the trailers the engine wrote, the session's
 * base as parent, and the workspace's files (a link as a link, an executable kept executable).
 */
const world = blueprintServerForFile('commit-provenance');
const RUN_TIMEOUT_MS = 90_000;

it(
  'a ref-rewriting loop in the sandbox races the commit step; the shipped commit is the server’s, unchanged',
  async () => {
    const repo = await repoWithFailingTest(world.reposDir, 'provenance');
    await mkdir(path.join(repo, '.tandem', 'blueprints'), { recursive: true });
    await writeFile(
      path.join(repo, '.tandem', 'blueprints', 'ship.json'),
      JSON.stringify({ name: 'ship', nodes: [{ kind: 'agent', id: 'implement', title: 'Implement' }, { kind: 'commit', id: 'commit', title: 'Commit' }, { kind: 'push', id: 'push', title: 'Push' }] }),
    );
    gitIn(repo, '-c', 'user.name=Origin', '-c', 'user.email=origin@example.com', 'add', '-A');
    gitIn(repo, '-c', 'user.name=Origin', '-c', 'user.email=origin@example.com', 'commit', '-q', '-m', 'A shipping blueprint');
    const baseSha = gitIn(repo, 'rev-parse', 'HEAD').trim();
    const team = await teamOn(world.shared, 'Provenance', repo);
    const live = await world.shared.server.runtime!.ensureStarted(team.sessionId);
    // Left behind by an editor's terminal: it outlives every command the run makes.
    const forger = live.sandbox.spawn(COMMIT_FORGERY_LOOP);
    try {
      scriptModel(world.fake, [
        toolReply('bash', { command: "ln -s src/math.js math-link && printf '#!/bin/sh\\necho hi\\n' > run.sh && chmod +x run.sh" }),
        toolReply('write_file', { path: 'src/math.js', content: FIXED_ADD }),
        textReply('add adds now.'),
      ]);
      const started = await world.shared.api.call<RunResponse>('POST', `/sessions/${team.sessionId}/runs`, team.ada.token, { blueprint: 'ship', goal: 'Make add add' });
      expect(started.status).toBe(201);
      await waitFor(() => runEnded(team.run()), 'the run to end', RUN_TIMEOUT_MS);
      const run = team.run()!;
      expect(run.state).toBe('passed');
      const branch = run.commit!.branch;

      // The attack did run: the sandbox's branch is the forger's by now.
      const inSandbox = await live.sandbox.exec(`git -c safe.directory='*' log -1 --format=%an refs/heads/${branch}`);
      expect(inSandbox.stdout.trim()).toBe(FORGER_NAME);

      // What the repo got is the commit the server made and recorded, nothing else.
      const inOrigin = (...args: string[]) => execFileSync('git', ['-C', repo, ...args], { encoding: 'utf8' }).trim();
      const shipped = inOrigin('rev-parse', `refs/heads/${branch}`);
      expect(shipped).toBe(run.commit!.sha);
      expect(run.push).toMatchObject({ branch, sha: shipped });
      expect(inOrigin('log', '-1', '--format=%an <%ae>', shipped)).toBe(`Ada <${team.ada.user.id}@users.tandem.invalid>`);
      expect(inOrigin('log', '-1', '--format=%cn <%ce>', shipped)).toBe('Tandem <tandem@localhost>');
      expect(inOrigin('rev-list', '--parents', '-n', '1', shipped).split(' ')).toEqual([shipped, baseSha]);
      const message = inOrigin('log', '-1', '--format=%B', shipped);
      expect(message.split('\n')[0]).toBe('Make add add');
      expect(message).toContain(`Tandem-Session: ${team.sessionId}`);
      expect(message).not.toContain('Co-authored-by');
      expect(message).not.toContain('Torvalds');
      // The tree is the workspace: the fix, the link as a link, the script still executable, no backdoor.
      expect(inOrigin('show', `${shipped}:src/math.js`)).toBe(FIXED_ADD.trim());
      const entries = inOrigin('ls-tree', '-r', shipped);
      expect(entries).toMatch(/^120000 blob [0-9a-f]{40}\tmath-link$/m);
      expect(inOrigin('cat-file', '-p', `${shipped}:math-link`)).toBe('src/math.js');
      expect(entries).toMatch(/^100755 blob [0-9a-f]{40}\trun\.sh$/m);
      expect(entries).not.toContain(FORGED_FILE);
      expect(inOrigin('diff', '--name-only', baseSha, shipped).split('\n').sort()).toEqual(['math-link', 'run.sh', 'src/math.js']);
      expect(inOrigin('log', '--all', `--author=${FORGER_NAME}`, '--format=%H')).toBe('');
    } finally {
      forger.kill();
    }
  },
  RUN_TIMEOUT_MS + 30_000,
);
