import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as Y from 'yjs';
import { liveFileText, readMeta } from '../shared/src/doc/accessors.js';
import { TandemServer } from '../server/test-support/server-process.js';
import { fileInfoMap } from '../shared/src/doc/schema.js';
import { apiClient, connectPeer, makeTempDir, startTestServer, waitFor, type TestPeer } from '../server/test-support/test-server.js';
import { EXAMPLE_REPO } from '../server/test-support/local-sandbox.js';
import { report, summarize } from './stats.js';

/**
 * Live files, with a real server (in this process, so the bench can reach the sandbox directly) and
 * stock y-websocket clients: sandbox write → every editor, doc edit → sandbox file, a 20,000-file tree,
 * and opening a file until a second client has it.
 */
const EDITORS = 3;
const ROUNDS = 40;
const BIG_TREE_FILES = 20_000;


async function makeBigRepo(): Promise<string> {
  // Under the working directory, where the server accepts repo paths; .tandem-data is git-ignored.
  const dir = path.resolve('.tandem-data', 'bench-big-repo');
  await rm(dir, { recursive: true, force: true });
  for (let folder = 0; folder < BIG_TREE_FILES / 100; folder += 1) {
    const folderDir = path.join(dir, `pkg${String(folder).padStart(3, '0')}`, 'src');
    await mkdir(folderDir, { recursive: true });
    await Promise.all(Array.from({ length: 100 }, (_, index) => writeFile(path.join(folderDir, `module${index}.ts`), `export const value${index} = ${index};\n`)));
  }
  return dir;
}

/** The big tree, with the server in its own process (as in production) and one viewer watching the doc. */
async function benchBigTree(): Promise<{ listMs: number; treeBytes: number }> {
  const bigRepo = await makeBigRepo();
  const server = await TandemServer.create({ TANDEM_REPO_ROOTS: process.cwd(), TANDEM_WARM_POOL_SIZE: '0' });
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
    await rm(bigRepo, { recursive: true, force: true });
  }
}

export async function benchFiles(): Promise<void> {
  const dataDir = await makeTempDir('bench-files');
  const server = await startTestServer(dataDir, { sandboxes: true });
  const clients: Array<TestPeer> = [];
  try {
    const api = apiClient(server.url);
    const ada = await api.identity('Bench');
    const sessionId = await api.createSession(ada.token, 'Files bench', EXAMPLE_REPO);
    const live = await server.runtime!.ensureStarted(sessionId, EXAMPLE_REPO);
    await live.files;
    for (let index = 0; index < EDITORS; index += 1) clients.push(connectPeer(server.url, sessionId, ada.token));
    await waitFor(() => clients.every((client) => client.provider.synced), 'clients synced', 10_000);

    // Open a file: from the request until a second client has its text.
    await live.sandbox.writeFile('bench.txt', 'start\n');
    await waitFor(() => fileInfoMap(clients[1]!.doc).has('bench.txt'), 'bench.txt in the tree', 5_000);
    const openStarted = performance.now();
    await api.call('POST', `/sessions/${sessionId}/files/open`, ada.token, { path: 'src/slugify.js' });
    await waitFor(() => liveFileText(clients[1]!.doc, 'src/slugify.js') !== undefined, 'the opened file at a second client', 5_000);
    const openMs = performance.now() - openStarted;

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
        { metric: 'open a file → a second client has it', value: openMs, unit: 'ms', target: '< 200 (doc level)' },
      ],
      { editors: EDITORS, rounds: ROUNDS, note: 'sandbox writes go through the workspace the sandbox sees; first paint in a browser is not measured here, only the doc arriving' },
    );
  } finally {
    for (const client of clients) client.provider.destroy();
    await server.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}
