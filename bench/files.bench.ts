import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as Y from 'yjs';
import { liveFileText, readMeta } from '@tandem/shared/doc/accessors.js';
import { TandemServer } from '../server/test-support/server-process.js';
import { fileInfoMap } from '@tandem/shared/doc/schema.js';
import { apiClient, connectPeer, makeTempDir, startTestServer, waitFor, type TestPeer } from '../server/test-support/test-server.js';
import { EXAMPLE_REPO } from '../server/test-support/local-sandbox.js';
import type { Config } from '../server/src/config.js';
import { report, summarize } from './stats.js';

/**
 * Live files, with a real server (in this process, so the bench can reach the sandbox directly) and
 * stock y-websocket clients: sandbox write → every editor, doc edit → sandbox file, a 20,000-file tree,
 * and opening a file until a second client has it.
 */
const EDITORS = 3;
const ROUNDS = 40;
const BIG_TREE_FILES = 20_000;
/** Files opened one after another, each a sample of "open a file → a second client has it". */
const OPEN_SAMPLES = 40;
/** Lines in each file opened (about 2.5 KB, a small source file). */
const OPEN_FILE_LINES = 60;


/** A repo of OPEN_SAMPLES files nobody has opened yet, in `reposDir` (a temporary folder the server may use). */
async function makeOpenRepo(reposDir: string): Promise<{ dir: string; files: string[] }> {
  const dir = path.join(reposDir, 'open-repo');
  await mkdir(path.join(dir, 'src'), { recursive: true });
  const files = Array.from({ length: OPEN_SAMPLES }, (_, index) => `src/module${index}.ts`);
  const text = (index: number) => Array.from({ length: OPEN_FILE_LINES }, (_, line) => `export const value${index}_${line} = ${line}; // a line of module ${index}\n`).join('');
  await Promise.all(files.map((file, index) => writeFile(path.join(dir, file), text(index))));
  return { dir, files };
}

/** Opening a file: from the request until a second client has its text, once per file. */
async function benchOpen(server: Awaited<ReturnType<typeof startTestServer>>, token: string, reposDir: string): Promise<number[]> {
  const repo = await makeOpenRepo(reposDir);
  const api = apiClient(server.url);
  const sessionId = await api.createSession(token, 'Open bench', repo.dir);
  const live = await server.runtime!.ensureStarted(sessionId);
  await live.files;
  const second = connectPeer(server.url, sessionId, token);
  try {
    await waitFor(() => second.provider.synced && repo.files.every((file) => fileInfoMap(second.doc).has(file)), 'the open bench tree at the second client', 10_000);
    const samples: number[] = [];
    for (const file of repo.files) {
      const started = performance.now();
      const response = await api.call('POST', `/sessions/${sessionId}/files/open`, token, { path: file });
      if (response.status !== 200) throw new Error(`could not open ${file}: ${JSON.stringify(response.body)}`);
      await waitFor(() => liveFileText(second.doc, file) !== undefined, `${file} at a second client`, 5_000);
      samples.push(performance.now() - started);
    }
    return samples;
  } finally {
    second.provider.destroy();
    await server.runtime!.stop(sessionId);
    await rm(repo.dir, { recursive: true, force: true });
  }
}

async function makeBigRepo(reposDir: string): Promise<string> {
  const dir = path.join(reposDir, 'big-repo');
  for (let folder = 0; folder < BIG_TREE_FILES / 100; folder += 1) {
    const folderDir = path.join(dir, `pkg${String(folder).padStart(3, '0')}`, 'src');
    await mkdir(folderDir, { recursive: true });
    await Promise.all(Array.from({ length: 100 }, (_, index) => writeFile(path.join(folderDir, `module${index}.ts`), `export const value${index} = ${index};\n`)));
  }
  return dir;
}

/** The big tree, with the server in its own process (as in production) and one viewer watching the doc. */
async function benchBigTree(): Promise<{ listMs: number; treeBytes: number }> {
  const reposDir = await makeTempDir('bench-big-tree');
  const bigRepo = await makeBigRepo(reposDir);
  const server = await TandemServer.create({ TANDEM_REPO_ROOTS: reposDir, TANDEM_WARM_POOL_SIZE: '0' });
  await server.start();
  let viewer: TestPeer | null = null;
  try {
    const api = apiClient(server.url);
    const ada = await api.identity('Bench');
    const sessionId = await api.createSession(ada.token, 'Big tree bench', bigRepo);
    viewer = connectPeer(server.url, sessionId, ada.token);
    const doc = viewer.doc;
    let readyAt = 0;
    let bytesBefore = 0;
    doc.on('update', () => {
      if (!readyAt && readMeta(doc).sandboxState === 'ready') {
        readyAt = performance.now();
        bytesBefore = Y.encodeStateAsUpdate(doc).byteLength;
      }
    });
    await waitFor(() => fileInfoMap(doc).size >= BIG_TREE_FILES, 'the big tree at the viewer', 120_000);
    const listMs = performance.now() - readyAt;
    return { listMs, treeBytes: Y.encodeStateAsUpdate(doc).byteLength - bytesBefore };
  } finally {
    viewer?.provider.destroy();
    await server.dispose();
    await rm(reposDir, { recursive: true, force: true });
  }
}

export async function benchFiles(): Promise<void> {
  const dataDir = await makeTempDir('bench-files');
  // Generated repos live in a temporary folder of their own, which the server is told it may use.
  const reposDir = await makeTempDir('bench-repos');
  const allowReposDir = (config: Config): Config => ({ ...config, sandbox: { ...config.sandbox, repoRoots: [...config.sandbox.repoRoots, reposDir] } });
  const server = await startTestServer(dataDir, { sandboxes: true }, 0, allowReposDir);
  const clients: Array<TestPeer> = [];
  try {
    const api = apiClient(server.url);
    const ada = await api.identity('Bench');
    const sessionId = await api.createSession(ada.token, 'Files bench', EXAMPLE_REPO);
    const live = await server.runtime!.ensureStarted(sessionId);
    await live.files;
    for (let index = 0; index < EDITORS; index += 1) clients.push(connectPeer(server.url, sessionId, ada.token));
    await waitFor(() => clients.every((client) => client.provider.synced), 'clients synced', 10_000);

    await live.sandbox.writeFile('bench.txt', 'start\n');
    await waitFor(() => fileInfoMap(clients[1]!.doc).has('bench.txt'), 'bench.txt in the tree', 5_000);

    // Sandbox → every editor.
    const toEditors: number[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      const marker = `sandbox-${round}`;
      const started = performance.now();
      await live.sandbox.writeFile('bench.txt', `start\n${marker}\n`);
      await waitFor(() => clients.every((client) => liveFileText(client.doc, 'bench.txt')?.toString().includes(marker) ?? false), marker, 5_000);
      toEditors.push(performance.now() - started);
    }

    // Doc edit → sandbox file (the write debounce included).
    const toSandbox: number[] = [];
    const decoder = new TextDecoder();
    for (let round = 0; round < ROUNDS; round += 1) {
      const marker = `doc-${round}`;
      const text = liveFileText(clients[0]!.doc, 'bench.txt')!;
      const started = performance.now();
      text.insert(text.length, `${marker}\n`);
      for (;;) {
        const content = decoder.decode(await live.sandbox.readFile('bench.txt'));
        if (content.includes(marker)) break;
        if (performance.now() - started > 5_000) throw new Error(`${marker} never reached the sandbox`);
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      toSandbox.push(performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 60));
    }

    const opens = summarize(await benchOpen(server, ada.token, reposDir));
    const bigTree = await benchBigTree();
    const editors = summarize(toEditors);
    const sandbox = summarize(toSandbox);
    await report(
      'files',
      [
        { metric: `sandbox write → all ${EDITORS} editors, p50`, value: editors.p50, unit: 'ms' },
        { metric: `sandbox write → all ${EDITORS} editors, p95`, value: editors.p95, unit: 'ms', target: '< 150' },
        { metric: 'doc edit → sandbox file, p50', value: sandbox.p50, unit: 'ms' },
        { metric: 'doc edit → sandbox file, p95', value: sandbox.p95, unit: 'ms', target: '< 150' },
        { metric: `${BIG_TREE_FILES} files listed in the tree (sandbox ready → viewer has all)`, value: bigTree.listMs, unit: 'ms', target: '< 2000' },
        { metric: `${BIG_TREE_FILES}-file tree in the doc`, value: bigTree.treeBytes / (1024 * 1024), unit: 'MiB', target: '< 5' },
        { metric: `open a file → a second client has it (${OPEN_SAMPLES} files), p50`, value: opens.p50, unit: 'ms' },
        { metric: `open a file → a second client has it (${OPEN_SAMPLES} files), p95`, value: opens.p95, unit: 'ms', target: '< 200 (doc level)' },
        { metric: `open a file → a second client has it (${OPEN_SAMPLES} files), max`, value: opens.max, unit: 'ms' },
      ],
      { editors: EDITORS, rounds: ROUNDS, openSamples: OPEN_SAMPLES, note: 'sandbox writes go through the workspace the sandbox sees; first paint in a browser is not measured here, only the doc arriving' },
    );
  } finally {
    for (const client of clients) client.provider.destroy();
    await server.close();
    await rm(dataDir, { recursive: true, force: true });
    await rm(reposDir, { recursive: true, force: true });
  }
}
