import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalSandboxHarness } from '../../../test-support/local-sandbox.js';
import type { SandboxError } from '../provider.js';
import type { LocalSandbox } from './local-sandbox.js';

/**
 * The server's own reads, writes, listings and watches of a real sandbox's workspace (host-files.ts,
 * workspace-watcher.ts): a link the sandbox planted is refused, never followed; a pipe never hangs
 * the server; a file over the limit is never read. (The racing versions are in src/security/.)
 */
let harness: Awaited<ReturnType<typeof createLocalSandboxHarness>>;
beforeAll(async () => {
  harness = await createLocalSandboxHarness();
});
afterAll(async () => harness.dispose());

describe('host-side file access never follows a link the sandbox made', () => {
  let hostDir: string;
  beforeAll(async () => {
    hostDir = path.join(harness.dir, 'host-private');
    await mkdir(hostDir, { mode: 0o700 });
    await writeFile(path.join(hostDir, 'secret.txt'), 'host secret', { mode: 0o600 });
  });
  afterAll(() => rm(hostDir, { recursive: true, force: true }));

  const refusal = (promise: Promise<unknown>) => promise.then(() => null, (error: unknown) => error as SandboxError);

  it('refuses a link as the file or as a folder on the way, with a message that names the link', async () => {
    const sandbox = (await harness.open()) as LocalSandbox;
    try {
      await sandbox.exec(`ln -s ${hostDir}/secret.txt leak.txt && ln -s ${hostDir} leaks && ln -s src/slugify.js inside-link.js`);
      for (const [path, link] of [['leak.txt', 'leak.txt'], ['leaks/secret.txt', 'leaks'], ['inside-link.js', 'inside-link.js']] as const) {
        const error = await refusal(sandbox.readFile(path));
        expect(error).toMatchObject({ code: 'outside-workspace' });
        expect(error?.message).toContain(`${link} `);
        expect(error?.message).toMatch(/symbolic link/);
      }
      expect(await refusal(sandbox.writeFile('leaks/secret.txt', 'overwritten'))).toMatchObject({ code: 'outside-workspace' });
      expect(await refusal(sandbox.writeFile('leaks/new/made.txt', 'made'))).toMatchObject({ code: 'outside-workspace' });
      expect(await refusal(sandbox.writeFile('leak.txt', 'overwritten'))).toMatchObject({ code: 'outside-workspace' });
      expect(await readFile(path.join(hostDir, 'secret.txt'), 'utf8')).toBe('host secret');
      expect(await readdir(hostDir)).toEqual(['secret.txt']);
      expect(await sandbox.readBaseFile('leaks/secret.txt')).toBeNull();
    } finally {
      await sandbox.close();
    }
  });

  it('lists and watches without entering a linked folder', async () => {
    const sandbox = (await harness.open()) as LocalSandbox;
    const seen: string[] = [];
    let stop = () => {};
    try {
      await new Promise<void>((resolve) => (stop = sandbox.watch((event) => seen.push(event.path), { onReady: resolve })));
      await sandbox.exec(`ln -s ${hostDir} leaks && mkdir -p real && echo x > real/inside.txt`);
      await writeFile(path.join(hostDir, 'written-on-the-host.txt'), 'host');
      const deadline = Date.now() + 5_000;
      while (!seen.includes('real/inside.txt') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(seen).toContain('real/inside.txt');
      const listed = (await sandbox.listFiles('.', { recursive: true })).map((entry) => entry.path);
      expect(listed).toEqual(expect.arrayContaining(['leaks', 'real/inside.txt']));
      expect([...listed, ...seen].filter((entry) => entry.startsWith('leaks/'))).toEqual([]);
      expect(await refusal(sandbox.listFiles('leaks'))).toMatchObject({ code: 'outside-workspace' });
    } finally {
      stop();
      await rm(path.join(hostDir, 'written-on-the-host.txt'), { force: true });
      await sandbox.close();
    }
  });

  it('refuses a pipe without waiting for a writer, and a file over the limit without reading it', async () => {
    const sandbox = (await harness.open()) as LocalSandbox;
    try {
      await sandbox.exec('mkfifo pipe.txt && head -c 3000000 /dev/zero > big.bin');
      expect(await refusal(sandbox.readFile('pipe.txt'))).toMatchObject({ code: 'not-a-file' });
      expect(await refusal(sandbox.writeFile('pipe.txt', 'x'))).toMatchObject({ code: 'not-a-file' });
      expect(await refusal(sandbox.readFile('big.bin', { maxBytes: 1_000_000 }))).toMatchObject({ code: 'too-large', sizeBytes: 3_000_000 });
      expect(await refusal(sandbox.readFile('src'))).toMatchObject({ code: 'is-directory' });
      expect((await sandbox.readFile('big.bin', { maxBytes: 3_000_000 })).byteLength).toBe(3_000_000);
    } finally {
      await sandbox.close();
    }
  });
});
