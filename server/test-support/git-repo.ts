import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** git in a test's own repo, as a fixed author (the host's git config plays no part). */
export const git = (dir: string, ...args: string[]) => execFileSync('git', ['-c', 'user.name=Origin', '-c', 'user.email=origin@example.com', '-C', dir, ...args], { encoding: 'utf8' }).trim();

/** Writes the files (folders made as needed), commits them, and returns the new commit's sha. */
export async function commitFiles(dir: string, files: Record<string, string>, message: string): Promise<string> {
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), text);
  }
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', message);
  return git(dir, 'rev-parse', 'HEAD');
}

/** A new git repo at `dir` (branch main) holding `files` in one commit named "start". */
export async function makeGitRepo(dir: string, files: Record<string, string>): Promise<string> {
  await mkdir(dir, { recursive: true });
  git(dir, 'init', '-q', '-b', 'main');
  await commitFiles(dir, files, 'start');
  return dir;
}
