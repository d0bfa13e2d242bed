/**
 * Symlink races. The server reads and writes a sandbox's files itself, as root, on the host (to keep
 * the shared doc and the workspace one). If it checks a path and then opens it again by name, the
 * sandbox can swap the file, or a folder on the way, for a symbolic link in between, and the server
 * then reads or writes whatever the link points to: a root-only host file lands in the shared doc for
 * everyone to read, or a person's edit lands in a host file, which is then chowned to the sandbox's uid.
 *
 * The sandbox cannot see the host file at all; it only needs to know its path. The loops below run
 * inside the sandbox, as fast as bash can go, until killed.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { shellQuote } from '../../src/sandbox/shell-quote.js';

export const HOST_SECRET_FILE_NAME = 'secret.txt';
export const HOST_DIR_MODE = 0o700;
export const HOST_FILE_MODE = 0o600;

/** A root-only file on the host: mode 0600 in a 0700 folder, never mounted into any sandbox. */
export interface HostSecret {
  dir: string;
  file: string;
  /** Its content; seeing it anywhere a person or the model can read means the attack worked. */
  text: string;
  /** What an attack could have changed: content, owner, mode, and what else the folder holds. */
  inspect(): Promise<{ text: string; uid: number; gid: number; mode: number; dirEntries: string[]; dirUid: number; dirMode: number }>;
  dispose(): Promise<void>;
}

export async function createHostSecret(): Promise<HostSecret> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tandem-host-secret-'));
  await chmod(dir, HOST_DIR_MODE);
  const file = path.join(dir, HOST_SECRET_FILE_NAME);
  const text = `host secret ${randomBytes(8).toString('hex')}: only root may read this\n`;
  await writeFile(file, text, { mode: HOST_FILE_MODE });
  return {
    dir,
    file,
    text,
    async inspect() {
      const [fileStats, dirStats] = await Promise.all([stat(file), stat(dir)]);
      return {
        text: await readFile(file, 'utf8'),
        uid: fileStats.uid,
        gid: fileStats.gid,
        mode: fileStats.mode & 0o7777,
        dirEntries: (await readdir(dir)).sort(),
        dirUid: dirStats.uid,
        dirMode: dirStats.mode & 0o7777,
      };
    },
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}

/**
 * Swaps workspace file `name` between a regular file (holding a decoy) and a link to `target`, with
 * atomic renames, forever. Perl makes the system calls directly: tens of thousands of swaps a second,
 * where bash running cp, ln and mv manages a few hundred. Run it with the sandbox's spawn; kill it when done.
 */
export function swapFileWithLink(name: string, target: string): string {
  const perl = `
    my ($name, $target) = @ARGV;
    while (1) {
      open(my $file, ">", "$name.swap-file") or die; print $file "decoy\\n"; close($file);
      rename("$name.swap-file", $name);
      unlink("$name.swap-link"); symlink($target, "$name.swap-link");
      rename("$name.swap-link", $name);
    }`;
  return `exec perl -e ${shellQuote(perl)} ${shellQuote(name)} ${shellQuote(target)}`;
}

/**
 * Swaps workspace folder `name` (holding `fileName`, a decoy) and a link to host folder `targetDir`,
 * forever: so `name/fileName` is sometimes the decoy and sometimes the host's file of that name.
 */
export function swapFolderWithLink(name: string, fileName: string, targetDir: string): string {
  const perl = `
    my ($name, $file, $target) = @ARGV;
    while (1) {
      mkdir($name); open(my $decoy, ">", "$name/$file") and print $decoy "decoy\\n"; close($decoy);
      unlink("$name/$file"); rmdir($name);
      symlink($target, $name); unlink($name);
    }`;
  return `exec perl -e ${shellQuote(perl)} ${shellQuote(name)} ${shellQuote(fileName)} ${shellQuote(targetDir)}`;
}

/**
 * Runs `attempt` again and again for at least `durationMs` and at least `minimumCount` times (a busy
 * machine must not shorten the race), but never past `durationMs * 6`; resolves with how many times it ran.
 */
export async function repeatFor(durationMs: number, attempt: () => Promise<void>, minimumCount = 1): Promise<number> {
  const started = Date.now();
  let count = 0;
  while ((Date.now() - started < durationMs || count < minimumCount) && Date.now() - started < durationMs * 6) {
    await attempt();
    count += 1;
  }
  return count;
}
