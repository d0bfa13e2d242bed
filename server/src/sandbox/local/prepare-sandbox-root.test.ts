import { chmod, chown, mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../../test-support/test-server.js';
import { prepareSandboxRoot, serverKey } from './prepare-sandbox-root.js';

/** Any other local user. */
const OTHER_UID = 65534;

describe('prepareSandboxRoot', () => {
  let base = '';
  beforeAll(async () => {
    base = await makeTempDir('sandbox-root');
    await chmod(base, 0o711);
  });
  afterAll(() => rm(base, { recursive: true, force: true }));

  it('keeps the trees in a reachable data dir and opens it to passage only (0711)', async () => {
    const dataDir = path.join(base, 'open', '.tandem-data');
    const root = await prepareSandboxRoot({ dataDir, systemBase: path.join(base, 'system-unused'), tempDir: base });
    expect(root).toEqual({ treesDir: dataDir, kind: 'data-dir', note: null });
    expect((await stat(dataDir)).mode & 0o777).toBe(0o711);
  });

  it.skipIf(process.getuid?.() !== 0)('a private data dir: never a folder another user made; a fresh one of its own, 0711, reachable from /', async () => {
    const home = path.join(base, 'home');
    await mkdir(home, { mode: 0o700 });
    await chmod(home, 0o700);
    const dataDir = path.join(home, '.tandem-data');
    const tempDir = path.join(base, 'tmp');
    await mkdir(tempDir, { mode: 0o1777 });
    // The system place is out of reach too (under the private home), so the temp folder is next.
    const options = { dataDir, systemBase: path.join(home, 'var-lib-tandem'), tempDir };
    const squatted = path.join(tempDir, `tandem-sandboxes-${await serverKey(dataDir)}`);
    await mkdir(squatted);
    await chown(squatted, OTHER_UID, OTHER_UID);
    await expect(prepareSandboxRoot(options)).rejects.toThrow(new RegExp(`${squatted} exists but belongs to uid ${OTHER_UID}.*TANDEM_SANDBOX_DIR`));
    await rm(squatted, { recursive: true });

    const root = await prepareSandboxRoot(options);
    expect(root).toMatchObject({ treesDir: squatted, kind: 'temporary', note: expect.stringContaining(`${home} (mode 0700)`) });
    expect(await stat(squatted)).toMatchObject({ uid: 0 });
    expect((await stat(squatted)).mode & 0o777).toBe(0o711);
    // The same server finds the same folder at its next start (its saved workspaces are there).
    expect((await prepareSandboxRoot(options)).treesDir).toBe(squatted);
  });

  it('a TANDEM_SANDBOX_DIR under a private folder stops start-up, naming the folder to open', async () => {
    const closed = path.join(base, 'closed');
    await mkdir(closed, { mode: 0o700 });
    await chmod(closed, 0o700);
    await expect(prepareSandboxRoot({ dataDir: path.join(base, 'd'), configuredDir: path.join(closed, 'sandboxes') })).rejects.toThrow(
      `TANDEM_SANDBOX_DIR=${path.join(closed, 'sandboxes')} cannot hold sandbox workspaces: ${path.join(closed, 'sandboxes')} lies under ${closed} (mode 0700)`,
    );
  });
});
