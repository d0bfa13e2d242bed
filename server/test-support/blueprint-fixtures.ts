import { execFileSync } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { readRun } from '@tandem/shared/doc/run-accessors.js';
import type { RunView } from '@tandem/shared/doc/run-schema.js';
import type { IdentityResponse } from '@tandem/shared/protocol/http.js';
import { afterAll, beforeAll } from 'vitest';
import type { Config } from '../src/config.js';
import { FAKE_API_KEY, startFakeAnthropic, textReply, type FakeAnthropic, type FakeReply } from './fake-anthropic.js';
import { serverForFile, type ServerForFile } from './server-per-file.js';
import { connectPeer, makeTempDir, waitForSync, withModelAt } from './test-server.js';

/** What the blueprint tests' repos hold: `add` broken two ways, and fixed. */
export const BROKEN_ADD = 'export const add = (a, b) => a - b;\n';
export const STILL_BROKEN_ADD = 'export const add = (a, b) => a * b;\n';
export const FIXED_ADD = 'export const add = (a, b) => a + b;\n';

export const gitIn = (dir: string, ...args: string[]) => execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8' });

/** A git repo in `parent/name` whose one node:test test fails (`add` subtracts), checked out on `main`. */
export async function repoWithFailingTest(parent: string, name: string): Promise<string> {
  const dir = path.join(parent, name);
  await mkdir(path.join(dir, 'src'), { recursive: true });
  await mkdir(path.join(dir, 'test'), { recursive: true });
  await writeFile(path.join(dir, 'package.json'), JSON.stringify({ name, type: 'module', scripts: { test: 'node --test' } }, null, 2));
  await writeFile(path.join(dir, 'src/math.js'), BROKEN_ADD);
  await writeFile(
    path.join(dir, 'test/math.test.js'),
    "import { test } from 'node:test';\nimport assert from 'node:assert/strict';\nimport { add } from '../src/math.js';\n\ntest('adds two numbers', () => {\n  assert.equal(add(2, 3), 5);\n});\n",
  );
  gitIn(dir, 'init', '-q', '-b', 'main');
  gitIn(dir, '-c', 'user.name=Origin', '-c', 'user.email=origin@example.com', 'add', '-A');
  gitIn(dir, '-c', 'user.name=Origin', '-c', 'user.email=origin@example.com', 'commit', '-q', '-m', 'start');
  return dir;
}

/** Ada's session on `repo`, Bob an editor and Vic a viewer by link, watched from Vic's synced tab. */
export async function teamOn(shared: ServerForFile, title: string, repo: string) {
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

/** Answers the test's n-th model request (counted from now) with `replies[n]`. */
export function scriptModel(fake: FakeAnthropic, replies: Array<FakeReply | (() => FakeReply | Promise<FakeReply>)>) {
  const offset = fake.requests.length;
  fake.setScript((_request, index) => {
    const reply = replies[index - offset] ?? textReply('Nothing more to do.');
    return typeof reply === 'function' ? reply() : reply;
  });
  return { request: (n: number) => fake.requests[offset + n]?.body, count: () => fake.requests.length - offset };
}

/** A promise a test opens when it has seen what it waits for. */
export function opened() {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { open, promise };
}

export const runEnded = (run: RunView | undefined) => run !== undefined && !['running', 'waiting'].includes(run.state);

export interface BlueprintWorld {
  /** The fake Messages API the server's agent talks to (set once the file's hooks ran). */
  fake: FakeAnthropic;
  /** A temporary folder under the server's repo roots for the file's test repos. */
  reposDir: string;
  shared: ServerForFile;
}

/**
 * What every blueprint integration file sets up: a fake model, a folder of test repos the server may
 * use, and one real server with sandboxes, its agent pointed at the fake. `configure` adds to the config.
 */
export function blueprintServerForFile(prefix: string, configure: (config: Config, world: BlueprintWorld) => Config = (config) => config): BlueprintWorld {
  const world = {} as BlueprintWorld;
  beforeAll(async () => {
    world.fake = await startFakeAnthropic();
    world.reposDir = await makeTempDir(`${prefix}-repos`);
  });
  afterAll(async () => {
    await world.fake?.close();
    if (world.reposDir) await rm(world.reposDir, { recursive: true, force: true });
  });
  world.shared = serverForFile(prefix, { sandboxes: true }, (config) => {
    const withModel = withModelAt(world.fake.url, FAKE_API_KEY)(config);
    return configure({ ...withModel, sandbox: { ...withModel.sandbox, repoRoots: [...withModel.sandbox.repoRoots, world.reposDir] } }, world);
  });
  return world;
}
