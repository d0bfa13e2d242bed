import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** Runs `use` with the bundle in a private temporary file (git fetches a bundle by path), removed afterwards. */
export async function withBundleFile<T>(bundle: Buffer, use: (file: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tandem-push-'));
  try {
    const file = path.join(dir, 'branch.bundle');
    await writeFile(file, bundle, { mode: 0o600 });
    return await use(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
