import { chmod, rm } from 'node:fs/promises';
import path from 'node:path';
import { createLocalSandboxProvider } from '../src/sandbox/local/local-provider.js';
import { createSnapshotStore } from '../src/sandbox/local/snapshots.js';
import type { SnapshotRef } from '../src/sandbox/provider.js';
import { makeTempDir } from './test-server.js';

export const EXAMPLE_REPO = path.resolve('examples/hello-tandem');

/** A real local provider in a temp directory, with the bundled example (or `repo`, under one of `repoRoots`) built as a snapshot. */
export async function createLocalSandboxHarness(options: { repo?: string; repoRoots?: string[] } = {}) {
  const dir = await makeTempDir('sandbox');
  // mkdtemp makes 0700 dirs; the sandbox uids must be able to reach the paths bubblewrap binds.
  await chmod(dir, 0o711);
  const snapshots = createSnapshotStore({
    dir: path.join(dir, 'snapshots'),
    allowedRepoRoots: options.repoRoots ?? [process.cwd()],
    protectedDirs: [dir],
    runSetup: (treeDir, script) => provider.runSetup(treeDir, script),
  });
  const provider = createLocalSandboxProvider({ dir: path.join(dir, 'sandboxes'), snapshots });
  const snapshot: SnapshotRef = await snapshots.build(options.repo ?? EXAMPLE_REPO);
  return {
    dir,
    provider,
    snapshots,
    snapshot,
    open: () => provider.create({ sessionId: 'test', snapshot }),
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}
