import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/**
 * Runs `use` with the bundle in a temporary file (git fetches a bundle by path), removed afterwards.
 * `readableByOthers`: for a git run as the repo's owner; the folder is still not listable.
 */
export async function withBundleFile<T>(bundle: Buffer, use: (file: string) => Promise<T>, options: { readableByOthers?: boolean } = {}): Promise<T> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tandem-push-'));
  try {
    const file = path.join(dir, 'branch.bundle');
    await writeFile(file, bundle, { mode: options.readableByOthers ? 0o644 : 0o600 });
    if (options.readableByOthers) await chmod(dir, 0o711);
    return await use(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
