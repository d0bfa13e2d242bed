import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../db/database.js';
import { getOrCreateSecret } from '../db/repositories/secrets.js';
import { makeTempDir } from '../../test-support/test-server.js';

const execFileAsync = promisify(execFile);
/** A uid that is neither the server nor any sandbox: any other local user. */
const OTHER_USER_UID = 65534;

/** Every regular file under `dir`, as the server sees it. */
async function filesUnder(dir: string): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) files.push(path.join(entry.parentPath, entry.name));
  }
  return files;
}

/** What another local user gets by reading each of `files` by its known path. */
async function readAsOtherUser(files: string[]): Promise<string> {
  const script = 'xargs -0 cat 2>/dev/null; true';
  const child = execFileAsync('setpriv', [`--reuid=${OTHER_USER_UID}`, `--regid=${OTHER_USER_UID}`, '--clear-groups', '--', 'sh', '-c', script], {
    maxBuffer: 512 * 1024 * 1024,
    encoding: 'latin1',
  });
  child.child.stdin?.end(files.join('\0'));
  return (await child).stdout;
}

describe.skipIf(process.getuid?.() !== 0)('the embedded store on disk', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('keeps stored secrets (the identity signing key) unreadable to other local users and sandbox uids', async () => {
    const dataDir = await makeTempDir('store-files');
    dirs.push(dataDir);
    // As the server lays it out: traversable, so sandbox uids reach the snapshots beside the store.
    await chmod(dataDir, 0o711);
    const secret = `signing-key-${randomBytes(16).toString('hex')}`;
    const database = await openDatabase({ kind: 'pglite', dataDir });
    await getOrCreateSecret(database.db, 'probe-secret', () => secret);
    await database.close();

    const files = await filesUnder(dataDir);
    expect(files.length).toBeGreaterThan(100);
    let seenByRoot = false;
    for (const file of files) seenByRoot ||= (await readFile(file)).includes(secret);
    expect(seenByRoot, 'the secret is on disk somewhere (else this test proves nothing)').toBe(true);
    expect(await readAsOtherUser(files)).not.toContain(secret);

    // And it stays so after a restart wrote more.
    const reopened = await openDatabase({ kind: 'pglite', dataDir });
    await getOrCreateSecret(reopened.db, 'probe-secret-2', () => `${secret}-2`);
    await reopened.close();
    expect(await readAsOtherUser(await filesUnder(dataDir))).not.toContain(secret);
  }, 120_000);
});
