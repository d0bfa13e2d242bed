import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { watchTree } from '../server/src/sandbox/local/workspace-watcher.js';
import { report, type BenchRow } from './stats.js';

/**
 * What a sandbox making files by the thousand costs the server: a separate process creates
 * FOLDERS × FILES_PER_FOLDER files in new folders of a watched workspace, while this process (the
 * server's side) runs the workspace watcher. Reported: the event loop's delay meanwhile (the other
 * sessions' wait) and how long until every file was announced.
 */
const FOLDERS = 200;
const FILES_PER_FOLDER = 100;
const SETTLE_TIMEOUT_MS = 120_000;

export async function benchWorkspaceWatcher(): Promise<void> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'tandem-bench-watch-'));
  const announced = new Set<string>();
  let events = 0;
  let ready!: () => void;
  const isReady = new Promise<void>((resolve) => (ready = resolve));
  const stop = watchTree({
    rootDir: root,
    onChange: (relativePath) => {
      events += 1;
      if (relativePath.endsWith('.txt')) announced.add(relativePath);
    },
    onReady: () => ready(),
  });
  await isReady;
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  const started = performance.now();
  const maker = spawn('sh', ['-c', `for d in $(seq ${FOLDERS}); do mkdir d$d; for f in $(seq ${FILES_PER_FOLDER}); do : > d$d/f$f.txt; done; done`], { cwd: root, stdio: 'ignore' });
  const made = new Promise<number>((resolve) => maker.on('exit', () => resolve(performance.now() - started)));
  const total = FOLDERS * FILES_PER_FOLDER;
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  while (announced.size < total && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  const settledMs = performance.now() - started;
  delay.disable();
  const makeMs = await made;
  stop();
  await rm(root, { recursive: true, force: true });
  const rows: BenchRow[] = [
    { metric: `event loop delay while ${total} files appear, p99`, value: delay.percentile(99) / 1e6, unit: 'ms', target: '< 250' },
    { metric: 'event loop delay, max', value: delay.max / 1e6, unit: 'ms' },
    { metric: 'files announced', value: announced.size, unit: `of ${total}` },
    { metric: 'watcher events handled', value: events, unit: 'events' },
    { metric: 'time to make the files (other process)', value: makeMs, unit: 'ms' },
    { metric: 'time until every file was announced', value: settledMs, unit: 'ms' },
  ];
  await report('workspace-watcher', rows, { folders: FOLDERS, filesPerFolder: FILES_PER_FOLDER });
}
