import { execFileSync } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readTranscript } from '@tandem/shared/doc/accessors.js';
import { readRun } from '@tandem/shared/doc/run-accessors.js';
import type { IdentityResponse } from '@tandem/shared/protocol/http.js';
import type { RunResponse } from '@tandem/shared/protocol/runs.js';
import { FAKE_API_KEY, startFakeAnthropic, textReply, toolReply, type FakeAnthropic } from '../../test-support/fake-anthropic.js';
import { SERVER_START_TIMEOUT_MS, TandemServer } from '../../test-support/server-process.js';
import { apiClient, connectPeer, makeTempDir, waitFor, waitForSync, type TestPeer } from '../../test-support/test-server.js';

/** Two starts of the real server process (PGlite, snapshot builds) and three runs on a loaded 2-core machine. */
const TEST_TIMEOUT_MS = 2 * SERVER_START_TIMEOUT_MS + 120_000;
const RUN_TIMEOUT_MS = 60_000;
/** Long enough that the kill lands while the step runs, short enough that its rerun is quick. */
const SLOW_STEP_SECONDS = 8;

let fake: FakeAnthropic;
let reposDir = '';
let server: TandemServer;
const peers: TestPeer[] = [];
let releaseFirstAgentTurn!: () => void;
beforeAll(async () => {
  fake = await startFakeAnthropic();
  reposDir = await makeTempDir('run-restart-repos');
  server = await TandemServer.create({
    ANTHROPIC_API_KEY: FAKE_API_KEY,
    ANTHROPIC_BASE_URL: fake.url,
    TANDEM_MODEL: 'claude-sonnet-4-6',
    TANDEM_REPO_ROOTS: `${process.cwd()},${reposDir}`,
  });
});
afterAll(async () => {
  for (const peer of peers) peer.destroy();
  releaseFirstAgentTurn?.();
  await server?.dispose();
  await fake.close();
  await rm(reposDir, { recursive: true, force: true });
});

/** A git repo whose only content is one repo blueprint. */
async function repoWithBlueprint(name: string, blueprintYaml: string): Promise<string> {
  const dir = path.join(reposDir, name);
  await mkdir(path.join(dir, '.tandem/blueprints'), { recursive: true });
  await writeFile(path.join(dir, 'README.md'), `# ${name}\n`);
  await writeFile(path.join(dir, `.tandem/blueprints/${name}.yaml`), blueprintYaml);
  const git = (...args: string[]) => execFileSync('git', ['-C', dir, '-c', 'user.name=Origin', '-c', 'user.email=origin@example.com', ...args], { encoding: 'utf8' });
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-q', '-m', 'start');
  return dir;
}

const api = () => apiClient(server.url);

async function team(repo: string, title: string) {
  const [ada, bob] = (await Promise.all(['Ada', 'Bob'].map((name) => api().identity(name)))) as [IdentityResponse, IdentityResponse];
  const sessionId = await api().createSession(ada.token, title, repo);
  await api().join(bob.token, (await api().share(ada.token, sessionId, 'editor')).token);
  return { ada, bob, sessionId };
}

/** A synced tab of the session (a new one after the restart: what it shows came from the restarted server). */
async function tabOf(sessionId: string, token: string) {
  const tab = connectPeer(server.url, sessionId, token);
  peers.push(tab);
  await waitForSync(tab);
  return {
    tab,
    run: () => readRun(tab.doc),
    node: (id: string) => readRun(tab.doc)?.nodes.find((node) => node.id === id),
    notices: () => readTranscript(tab.doc).flatMap((entry) => (entry.kind === 'system-notice' ? [entry.text] : [])),
  };
}

const GATED = ['name: gated', 'nodes:', '  - { kind: gate, id: approve, title: Approve the plan }', '  - { kind: run, id: after, title: After the gate, command: echo "past the gate" }', ''].join('\n');
const SLOW = ['name: slow', 'nodes:', `  - { kind: run, id: slow, title: Slow step, command: 'echo started; sleep ${SLOW_STEP_SECONDS}; echo finished' }`, ''].join('\n');
const AGENTIC = [
  'name: agentic',
  'nodes:',
  '  - { kind: agent, id: implement, title: Implement, goal: "{goal}" }',
  '  - { kind: run, id: verify, title: Verify, command: cat notes.txt }',
  '',
].join('\n');

it(
  'a server killed mid-run goes on after it restarts: a gate still waits and can be approved, a deterministic step reruns, an agent step is failed for a retry that works',
  async () => {
    await server.start();
    const [gatedRepo, slowRepo, agenticRepo] = await Promise.all([repoWithBlueprint('gated', GATED), repoWithBlueprint('slow', SLOW), repoWithBlueprint('agentic', AGENTIC)]);
    const gated = await team(gatedRepo, 'Gated');
    const slow = await team(slowRepo, 'Slow');
    const agentic = await team(agenticRepo, 'Agentic');

    // The first agent turn never finishes on this server; after the restart a retry writes the file.
    const firstTurn = new Promise<void>((resolve) => (releaseFirstAgentTurn = resolve));
    const offset = fake.requests.length;
    fake.setScript((_request, index) => {
      if (index === offset) return textReply('Thinking about it…', { pause: { afterEvents: 2, until: firstTurn } });
      if (index === offset + 1) return toolReply('write_file', { path: 'notes.txt', content: 'written after the restart\n' });
      return textReply('Done: notes.txt is written.');
    });

    const start = (sessionId: string, token: string, blueprint: string, goal: string) => api().call<RunResponse>('POST', `/sessions/${sessionId}/runs`, token, { blueprint, goal });
    expect((await start(gated.sessionId, gated.ada.token, 'gated', 'Wait for approval')).status).toBe(201);
    expect((await start(slow.sessionId, slow.ada.token, 'slow', 'Take a while')).status).toBe(201);
    expect((await start(agentic.sessionId, agentic.ada.token, 'agentic', 'Write notes.txt')).status).toBe(201);

    const before = { gated: await tabOf(gated.sessionId, gated.ada.token), slow: await tabOf(slow.sessionId, slow.ada.token), agentic: await tabOf(agentic.sessionId, agentic.ada.token) };
    await waitFor(() => before.gated.node('approve')?.status === 'waiting', 'the gate to wait', RUN_TIMEOUT_MS);
    await waitFor(() => before.slow.node('slow')?.status === 'running' && before.slow.node('slow')?.startedAt !== undefined, 'the slow step to run', RUN_TIMEOUT_MS);
    await waitFor(() => fake.requests.length > offset && before.agentic.node('implement')?.status === 'running', 'the agent step to ask the model', RUN_TIMEOUT_MS);

    await server.kill();
    for (const view of Object.values(before)) view.tab.destroy();
    await server.start();

    // The gate still waits, says so, and an editor's approval takes the run on.
    const gatedAfter = await tabOf(gated.sessionId, gated.bob.token);
    await waitFor(() => gatedAfter.notices().some((text) => text.startsWith('The server restarted while “Approve the plan” waited for approval')), 'the gate’s restart notice', RUN_TIMEOUT_MS);
    expect(gatedAfter.run()).toMatchObject({ state: 'waiting', nodes: [{ id: 'approve', status: 'waiting' }, { id: 'after', status: 'pending' }] });
    const approved = await api().call<RunResponse>('POST', `/sessions/${gated.sessionId}/runs/current/nodes/approve/approve`, gated.bob.token);
    expect(approved.status).toBe(200);
    await waitFor(() => gatedAfter.run()?.state === 'passed', 'the approved run to pass', RUN_TIMEOUT_MS);
    expect(gatedAfter.node('after')).toMatchObject({ status: 'passed', excerpt: expect.stringContaining('past the gate') });

    // The deterministic step ran again by itself, same attempt, and passed.
    const slowAfter = await tabOf(slow.sessionId, slow.ada.token);
    await waitFor(() => slowAfter.run()?.state === 'passed', 'the slow step to rerun and pass', RUN_TIMEOUT_MS);
    expect(slowAfter.node('slow')).toMatchObject({ status: 'passed', attempt: 1, note: 'Ran again: the server restarted during it.', excerpt: expect.stringContaining('finished') });
    expect(slowAfter.notices()).toContain('The server restarted during “Slow step”; it runs again now.');

    // The agent step is not picked up unseen: it failed, saying why, and Bob's retry runs it again.
    const agenticAfter = await tabOf(agentic.sessionId, agentic.bob.token);
    await waitFor(() => agenticAfter.run()?.state === 'failed', 'the agent run to show as failed', RUN_TIMEOUT_MS);
    expect(agenticAfter.node('implement')).toMatchObject({ status: 'failed', note: 'The server restarted during this step.' });
    expect(agenticAfter.run()?.summary).toContain('The server restarted during the agent step “Implement”;');
    await waitFor(() => agenticAfter.notices().some((text) => text.includes('The server restarted during the agent step “Implement”; what it had changed so far is still in the workspace. An editor can Retry it')), 'the agent step’s restart notice');
    const asksBeforeRetry = fake.requests.length;
    const retried = await api().call<RunResponse>('POST', `/sessions/${agentic.sessionId}/runs/current/nodes/implement/retry`, agentic.bob.token);
    expect(retried.status).toBe(200);
    await waitFor(() => agenticAfter.run()?.state === 'passed', 'the retried run to pass', RUN_TIMEOUT_MS);
    expect(fake.requests.length - asksBeforeRetry).toBe(2);
    expect(agenticAfter.node('implement')).toMatchObject({ status: 'passed', attempt: 2 });
    expect(agenticAfter.node('verify')).toMatchObject({ status: 'passed', excerpt: expect.stringContaining('written after the restart') });
    expect(agenticAfter.notices()).toContain('Bob retried “Implement”.');
  },
  TEST_TIMEOUT_MS,
);

it(
  'a graceful stop (SIGTERM) leaves a running step to the next server instead of stopping the run',
  async () => {
    if (!server.log.includes('ready on')) await server.start();
    const slow = await team(await repoWithBlueprint('slow-again', SLOW.replace('name: slow', 'name: slow-again')), 'Slow, stopped gracefully');
    expect((await api().call<RunResponse>('POST', `/sessions/${slow.sessionId}/runs`, slow.ada.token, { blueprint: 'slow-again', goal: 'Take a while' })).status).toBe(201);
    const before = await tabOf(slow.sessionId, slow.ada.token);
    await waitFor(() => before.node('slow')?.status === 'running', 'the slow step to run', RUN_TIMEOUT_MS);
    before.tab.destroy();

    await server.stop();
    await server.start();

    const after = await tabOf(slow.sessionId, slow.ada.token);
    await waitFor(() => after.run()?.state === 'passed', 'the slow step to rerun and pass', RUN_TIMEOUT_MS);
    expect(after.notices()).toContain('The server restarted during “Slow step”; it runs again now.');
    expect(after.notices().some((text) => text.includes('stopped the run'))).toBe(false);
  },
  TEST_TIMEOUT_MS,
);
