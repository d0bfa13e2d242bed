import { execFileSync } from 'node:child_process';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, it } from 'vitest';
import { readRun } from '@tandem/shared/doc/run-accessors.js';
import type { IdentityResponse } from '@tandem/shared/protocol/http.js';
import type { BlueprintListResponse, RunResponse } from '@tandem/shared/protocol/runs.js';
import { blueprintServerForFile } from '../../test-support/blueprint-fixtures.js';
import { connectPeer, waitFor, waitForSync } from '../../test-support/test-server.js';
import { MAX_REPO_BLUEPRINT_FILE_BYTES, MAX_REPO_BLUEPRINT_FILES } from './repo-blueprints.js';

const world = blueprintServerForFile('repo-blueprints');
const shared = world.shared;
const RUN_TIMEOUT_MS = 60_000;

const SMOKE_YAML = [
  'name: smoke', // 1
  'description: Says hello from the repo.', // 2
  'nodes:', // 3
  '  - kind: run', // 4
  '    id: hello', // 5
  '    title: Say hello', // 6
  '    command: echo "repo blueprint ran"', // 7
  '',
].join('\n');
/** Overrides the built-in `ask` for sessions of this repo. */
const ASK_JSON = JSON.stringify({ name: 'ask', description: 'This repo answers from a script.', nodes: [{ kind: 'run', id: 'answer', title: 'Answer', command: 'echo "the repo’s own ask"' }] }, null, 2);
const BROKEN_YAML = [
  'name: broken', // 1
  'nodes:', // 2
  '  - kind: checks', // 3
  '    id: checks', // 4
  '    title: Checks', // 5
  '  - kind: fix', // 6
  '    id: fix', // 7
  '    title: Fix', // 8
  '    checks: checks', // 9
  '    maxRounds: 9', // 10
  '',
].join('\n');

/** A git repo (checked out on main) holding `files`, plus whatever `extra` adds before the commit. */
async function repoWith(name: string, files: Record<string, string>, extra?: (dir: string) => Promise<void>): Promise<string> {
  const dir = path.join(world.reposDir, name);
  for (const [file, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), content);
  }
  await extra?.(dir);
  const git = (...args: string[]) => execFileSync('git', ['-C', dir, '-c', 'user.name=Origin', '-c', 'user.email=origin@example.com', ...args], { encoding: 'utf8' });
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-q', '-m', 'start');
  return dir;
}

async function sessionOn(repo: string, title: string) {
  const [ada, vic] = (await Promise.all(['Ada', 'Vic'].map((name) => shared.api.identity(name)))) as [IdentityResponse, IdentityResponse];
  const sessionId = await shared.api.createSession(ada.token, title, repo);
  await shared.api.join(vic.token, (await shared.api.share(ada.token, sessionId, 'viewer')).token);
  const tab = connectPeer(shared.server.url, sessionId, vic.token);
  shared.peers.push(tab);
  await waitForSync(tab);
  return { ada, vic, sessionId, tab, run: () => readRun(tab.doc) };
}

const ended = (state: string | undefined) => state !== undefined && state !== 'running' && state !== 'waiting';

it(
  'a repo’s .tandem/blueprints adds a blueprint, overrides a built-in and reports an invalid file at its line, while the built-ins still work',
  async () => {
    const repo = await repoWith(
      'team-repo',
      {
        'README.md': '# team repo\n',
        '.tandem/blueprints/smoke.yaml': SMOKE_YAML,
        '.tandem/blueprints/ask.json': ASK_JSON,
        '.tandem/blueprints/broken.yaml': BROKEN_YAML,
        '.tandem/blueprints/notes.txt': 'not a blueprint: ignored\n',
      },
      // A link in the repo's folder is reported, never followed.
      (dir) => symlink('/etc/passwd', path.join(dir, '.tandem/blueprints/linked.yaml')),
    );
    const team = await sessionOn(repo, 'Repo blueprints');

    // A viewer may look at the list; it is read from the session's workspace.
    const listed = await shared.api.call<BlueprintListResponse>('GET', `/sessions/${team.sessionId}/blueprints`, team.vic.token);
    expect(listed.status).toBe(200);
    const byName = new Map(listed.body.blueprints.map((blueprint) => [blueprint.name, blueprint]));
    expect([...byName.keys()]).toEqual(['implement', 'fix-tests', 'ask', 'smoke']);
    expect(byName.get('implement')).toMatchObject({ source: 'built-in' });
    expect(byName.get('fix-tests')).toMatchObject({ source: 'built-in' });
    expect(byName.get('ask')).toMatchObject({ source: 'repo', file: '.tandem/blueprints/ask.json', overridesBuiltIn: true, description: 'This repo answers from a script.', nodes: [{ id: 'answer', kind: 'run' }] });
    expect(byName.get('smoke')).toMatchObject({ source: 'repo', file: '.tandem/blueprints/smoke.yaml', nodes: [{ id: 'hello', kind: 'run', title: 'Say hello' }] });
    expect(listed.body.invalid).toEqual([
      { file: '.tandem/blueprints/broken.yaml', line: 10, column: 16, message: 'nodes[1].maxRounds: Too big: expected number to be <=5' },
      { file: '.tandem/blueprints/linked.yaml', line: 1, message: expect.stringContaining('symbolic link') },
    ]);

    // An unknown name is refused, naming what there is and which files are broken.
    const unknown = await shared.api.call<{ error: { message: string } }>('POST', `/sessions/${team.sessionId}/runs`, team.ada.token, { blueprint: 'broken', goal: 'Try the broken one' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toContain('implement, fix-tests, ask, smoke');
    expect(unknown.body.error.message).toContain('.tandem/blueprints/broken.yaml:10');

    // The repo's own blueprint runs, by name.
    const smoke = await shared.api.call<RunResponse>('POST', `/sessions/${team.sessionId}/runs`, team.ada.token, { blueprint: 'smoke', goal: 'Say hello' });
    expect(smoke.status).toBe(201);
    expect(smoke.body.run.nodes.map((node) => node.id)).toEqual(['hello']);
    await waitFor(() => ended(team.run()?.state), 'the smoke run to end', RUN_TIMEOUT_MS);
    expect(team.run()).toMatchObject({ blueprint: 'smoke', state: 'passed', nodes: [{ id: 'hello', status: 'passed', excerpt: expect.stringContaining('repo blueprint ran') }] });

    // `ask` is the repo's in this session: its step, not the built-in's agent.
    const asked = await shared.api.call<RunResponse>('POST', `/sessions/${team.sessionId}/runs`, team.ada.token, { blueprint: 'ask', goal: 'What is this repo?' });
    expect(asked.status).toBe(201);
    await waitFor(() => team.run()?.blueprint === 'ask' && ended(team.run()?.state), 'the overriding ask run to end', RUN_TIMEOUT_MS);
    expect(team.run()).toMatchObject({ state: 'passed', nodes: [{ id: 'answer', kind: 'run', excerpt: expect.stringContaining('the repo’s own ask') }] });

    // A session of another repo has the built-in ask (the override is this repo's only).
    const plain = await sessionOn(await repoWith('plain-repo', { 'README.md': '# plain\n' }), 'No repo blueprints');
    const plainList = await shared.api.call<BlueprintListResponse>('GET', `/sessions/${plain.sessionId}/blueprints`, plain.ada.token);
    expect(plainList.body.blueprints.map((blueprint) => [blueprint.name, blueprint.source])).toEqual([
      ['implement', 'built-in'],
      ['fix-tests', 'built-in'],
      ['ask', 'built-in'],
    ]);
    expect(plainList.body.invalid).toEqual([]);
  },
  RUN_TIMEOUT_MS * 2 + 30_000,
);

it('reads at most MAX_REPO_BLUEPRINT_FILES files, each at most MAX_REPO_BLUEPRINT_FILE_BYTES, and says which it left out', async () => {
  const files: Record<string, string> = {};
  for (let index = 0; index <= MAX_REPO_BLUEPRINT_FILES; index += 1) {
    const name = `many-${String(index).padStart(2, '0')}`;
    files[`.tandem/blueprints/${name}.yaml`] = `name: ${name}\nnodes:\n  - kind: run\n    id: go\n    title: Go\n    command: "true"\n`;
  }
  files['.tandem/blueprints/aaa-huge.yaml'] = `name: huge\n# ${'x'.repeat(MAX_REPO_BLUEPRINT_FILE_BYTES)}\nnodes: []\n`;
  const team = await sessionOn(await repoWith('crowded-repo', files), 'Crowded blueprints');
  const listed = await shared.api.call<BlueprintListResponse>('GET', `/sessions/${team.sessionId}/blueprints`, team.ada.token);
  expect(listed.status).toBe(200);
  const repoNames = listed.body.blueprints.filter((blueprint) => blueprint.source === 'repo').map((blueprint) => blueprint.name);
  // The huge file counts among the 20 read (it is first by name) and is refused for its size.
  expect(repoNames).toHaveLength(MAX_REPO_BLUEPRINT_FILES - 1);
  expect(listed.body.invalid).toEqual([
    { file: '.tandem/blueprints/aaa-huge.yaml', line: 1, message: expect.stringContaining(`larger than ${MAX_REPO_BLUEPRINT_FILE_BYTES} bytes`) },
    { file: '.tandem/blueprints/many-19.yaml', line: 1, message: expect.stringContaining(`at most ${MAX_REPO_BLUEPRINT_FILES} blueprint files`) },
    { file: '.tandem/blueprints/many-20.yaml', line: 1, message: expect.stringContaining(`at most ${MAX_REPO_BLUEPRINT_FILES} blueprint files`) },
  ]);
});
