/**
 * Attacks on where a session's repo comes from. Whoever creates a session names its repo; the server
 * copies or clones it as root into a snapshot every sandbox of that session can read (and write, via
 * copy-on-write). So a repo string is hostile input, and so is every link inside the repo.
 *
 * The world these attacks run in mirrors a default install: one allowed repo root (the server's cwd
 * by default) that also holds the data dir (the store with the identity signing key, every snapshot
 * and every session's workspace), and a private host directory outside the root.
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmod, lstat, mkdir, mkdtemp, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export const HOST_SECRET_TEXT = 'host secret: only root may read this';
/** Private modes the host's files start with; an attack that "opens" them changes these. */
export const HOST_DIR_MODE = 0o700;
export const HOST_SECRET_MODE = 0o600;

export interface RepoPathWorld {
  dir: string;
  /** The only TANDEM_REPO_ROOTS entry. */
  allowedRoot: string;
  /** TANDEM_DATA_DIR, inside the allowed root as with the defaults (./.tandem-data under the cwd). */
  dataDir: string;
  /** Outside every root: a private folder, a private file and a private git repo. */
  hostDir: string;
  hostSecret: string;
  hostRepo: string;
  /** Created only if git ran a command smuggled in a repo string. */
  commandMarker: string;
  /** The modes of the host folder and file, to compare before and after an attack. */
  hostModes(): Promise<{ dir: number; secret: number }>;
  /** Puts the private modes back and removes the marker, so each attack is judged on its own. */
  restoreHost(): Promise<void>;
  dispose(): Promise<void>;
}

function git(cwd: string, ...args: string[]): void {
  execFileSync('git', ['-c', 'user.name=Host', '-c', 'user.email=host@example.com', ...args], { cwd, stdio: 'ignore' });
}

/** A committed git repo at `dir` holding `files`. */
export async function createGitRepo(dir: string, files: Record<string, string>): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const [name, content] of Object.entries(files)) await writeFile(path.join(dir, name), content);
  git(dir, 'init', '--quiet');
  git(dir, 'add', '.');
  git(dir, 'commit', '--quiet', '-m', 'initial');
}

export async function createRepoPathWorld(): Promise<RepoPathWorld> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tandem-repo-attack-'));
  // Sandbox uids must be able to pass through to the data dir inside, as in a real install.
  await chmod(dir, 0o711);
  const allowedRoot = path.join(dir, 'allowed');
  const dataDir = path.join(allowedRoot, '.tandem-data');
  const hostDir = path.join(dir, 'host');
  const hostSecret = path.join(hostDir, 'secret.txt');
  const hostRepo = path.join(hostDir, 'private-repo');
  await mkdir(dataDir, { recursive: true });
  await chmod(allowedRoot, 0o755);
  await mkdir(hostDir);
  await writeFile(hostSecret, HOST_SECRET_TEXT);
  await createGitRepo(hostRepo, { 'secret.txt': HOST_SECRET_TEXT });
  await chmod(hostSecret, HOST_SECRET_MODE);
  await chmod(hostDir, HOST_DIR_MODE);
  const modeOf = async (file: string) => (await stat(file)).mode & 0o7777;
  return {
    dir,
    allowedRoot,
    dataDir,
    hostDir,
    hostSecret,
    hostRepo,
    commandMarker: path.join(dir, 'git-ran-a-smuggled-command'),
    hostModes: async () => ({ dir: await modeOf(hostDir), secret: await modeOf(hostSecret) }),
    async restoreHost() {
      await chmod(hostSecret, HOST_SECRET_MODE);
      await chmod(hostDir, HOST_DIR_MODE);
      await rm(path.join(dir, 'git-ran-a-smuggled-command'), { force: true });
    },
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}

/** A plain, harmless repo under the allowed root (the control: this one must keep working). */
export async function plantHarmlessRepo(world: RepoPathWorld, name: string): Promise<string> {
  const repo = path.join(world.allowedRoot, name);
  await mkdir(repo, { recursive: true });
  await writeFile(path.join(repo, 'README.md'), `# ${name}\n`);
  return repo;
}

/** Attack: a link under the allowed root that reaches a folder outside it. */
export async function plantSymlinkEscape(world: RepoPathWorld, name = 'escape'): Promise<string> {
  const link = path.join(world.allowedRoot, name);
  await symlink(world.hostDir, link);
  return link;
}

/** Attack: a link under the allowed root into the data dir (its realpath is the data dir). */
export async function plantLinkToDataDir(world: RepoPathWorld, name = 'looks-like-a-repo'): Promise<string> {
  const link = path.join(world.allowedRoot, name);
  await symlink(world.dataDir, link);
  return link;
}

/** Attack: a git URL that git clones from the local disk, naming a repo outside the roots. */
export const fileUrlOf = (dir: string) => `file://${dir}`;

/**
 * Attack: a repo whose tree links to host files, plus a setup script that makes more such links
 * while the snapshot is built. Copying must keep links as links, and making the snapshot writable
 * for sandboxes must change the modes of nothing outside the snapshot.
 */
export async function plantRepoLinkingToHost(world: RepoPathWorld, name = 'links-to-host'): Promise<string> {
  const repo = await plantHarmlessRepo(world, name);
  await symlink(world.hostSecret, path.join(repo, 'link-to-secret'));
  await symlink(world.hostDir, path.join(repo, 'link-to-host-dir'));
  await mkdir(path.join(repo, '.tandem'));
  await writeFile(
    path.join(repo, '.tandem', 'setup.sh'),
    `ln -s ${world.hostSecret} made-by-setup-to-secret\nln -s ${world.hostDir} made-by-setup-to-host-dir\n`,
  );
  return repo;
}

/**
 * Attack: a repo that was fine when the session was created, replaced by a link to a host folder
 * before its sandbox boots (the check at create time is not enough on its own).
 */
export async function swapRepoForLink(repo: string, target: string): Promise<void> {
  await rm(repo, { recursive: true, force: true });
  await symlink(target, repo);
}

/**
 * Attack: repo strings that git reads as options or as a transport that runs a command. Each would
 * create `marker` if git obeyed it.
 */
export function commandSmugglingRepos(marker: string): Array<{ name: string; repo: string }> {
  return [
    // Passes today's `user@host:path` test; `git clone -u<cmd>` sets the upload-pack command.
    { name: 'an -u option passing as user@host:path', repo: `-u@h:;touch ${marker};#` },
    { name: 'a long --upload-pack option', repo: `--upload-pack=touch ${marker}` },
    { name: 'git\'s ext:: transport', repo: `ext::sh -c touch% ${marker}` },
  ];
}

/**
 * Attack: a live workspace (the server copies it when a session ends) swapping an entry for a link
 * to `target` and back, as fast as it can, to catch the server between looking at the entry and
 * opening it. Runs in its own process, like a sandbox would; `stop()` ends it and leaves `entry` as
 * it was (a folder or a file).
 */
export function startLinkSwapper(entry: string, target: string): { stop(): Promise<void>; swaps(): Promise<number> } {
  const script = `
    const fs = require('node:fs');
    const [entry, target] = process.argv.slice(1);
    const away = entry + '.away';
    let swaps = 0;
    process.on('message', () => process.send(swaps));
    process.on('SIGTERM', () => process.exit(0));
    // Each state is held for a random 0-2 ms, so a server that looks, then opens, then reads
    // meets every interleaving: looked at a folder, opened a link, read through it.
    const pause = new Int32Array(new SharedArrayBuffer(4));
    const hold = () => Atomics.wait(pause, 0, 0, Math.floor(Math.random() * 3));
    (function loop() {
      for (let step = 0; step < 20; step += 1) {
        try {
          fs.renameSync(entry, away);
          fs.symlinkSync(target, entry);
          hold();
          fs.unlinkSync(entry);
          fs.renameSync(away, entry);
          hold();
          swaps += 1;
        } catch {}
      }
      setImmediate(loop);
    })();
  `;
  const child = spawn(process.execPath, ['-e', script, entry, target], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    swaps: () =>
      new Promise<number>((resolve) => {
        child.once('message', (count) => resolve(Number(count)));
        child.send('count');
      }),
    async stop() {
      child.kill('SIGTERM');
      await exited;
      // Left as a folder/file again, whichever step it was stopped at.
      if ((await lstat(entry).catch(() => null))?.isSymbolicLink()) await rm(entry);
      await rename(`${entry}.away`, entry).catch(() => {});
    },
  };
}
