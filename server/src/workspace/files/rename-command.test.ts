import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { ExecResult } from '../../sandbox/provider.js';
import { readRenameResult, renameCommand } from './rename-command.js';

/** The rename script as the sandbox runs it (bash -c in the workspace), here in a scratch folder. */
async function run(cwd: string, from: string, to: string): Promise<ExecResult> {
  return promisify(execFile)('bash', ['-c', renameCommand(from, to)], { cwd }).then(
    ({ stdout, stderr }) => ({ exitCode: 0, stdout, stderr }) as ExecResult,
    (error: { code: number; stdout: string; stderr: string }) => ({ exitCode: error.code, stdout: error.stdout, stderr: error.stderr }) as ExecResult,
  );
}

let workspace = '';
beforeEach(async () => {
  workspace = await mkdtemp(path.join(os.tmpdir(), 'rename-command-'));
  await mkdir(path.join(workspace, 'real'));
  await writeFile(path.join(workspace, 'a file.txt'), 'mine\n');
  await writeFile(path.join(workspace, 'real', 'inside.txt'), 'inside\n');
  await symlink('real', path.join(workspace, 'linked'));
  await symlink('/nowhere', path.join(workspace, 'dangling'));
});
afterEach(() => rm(workspace, { recursive: true, force: true }));

it('refuses a link anywhere on either path before anything moves, naming the link and its target', async () => {
  const cases = [
    { from: 'a file.txt', to: 'linked/a file.txt', message: 'linked (on the way to linked/a file.txt) is a symbolic link to real' },
    { from: 'a file.txt', to: 'dangling/deeper/a file.txt', message: 'dangling (on the way to dangling/deeper/a file.txt) is a symbolic link to /nowhere' },
    { from: 'a file.txt', to: 'linked', message: 'linked is a symbolic link to real' },
    { from: 'linked/inside.txt', to: 'out.txt', message: 'linked (on the way to linked/inside.txt) is a symbolic link to real' },
  ];
  for (const { from, to, message } of cases) {
    const outcome = readRenameResult(await run(workspace, from, to), from, to);
    expect(outcome).toMatchObject({ kind: 'link' });
    expect(outcome.kind === 'link' && outcome.message).toContain(`${message}; Tandem never follows links`);
  }
  expect((await readdir(workspace)).sort()).toEqual(['a file.txt', 'dangling', 'linked', 'real']);
  expect(await readdir(path.join(workspace, 'real'))).toEqual(['inside.txt']);
});

it('moves a file into a new folder, and tells a missing file from a failed move', async () => {
  expect(readRenameResult(await run(workspace, 'a file.txt', 'new/folder/b.txt'), 'a file.txt', 'new/folder/b.txt')).toEqual({ kind: 'renamed' });
  expect(await readdir(path.join(workspace, 'new', 'folder'))).toEqual(['b.txt']);
  expect(readRenameResult(await run(workspace, 'gone.txt', 'b.txt'), 'gone.txt', 'b.txt')).toEqual({ kind: 'missing' });
  await writeFile(path.join(workspace, 'blocker'), '');
  expect(readRenameResult(await run(workspace, 'real/inside.txt', 'blocker/inside.txt'), 'real/inside.txt', 'blocker/inside.txt')).toMatchObject({ kind: 'failed' });
});

it('takes glob characters in names literally', async () => {
  await writeFile(path.join(workspace, '*'), 'star\n');
  expect(readRenameResult(await run(workspace, '*', 'real/star.txt'), '*', 'real/star.txt')).toEqual({ kind: 'renamed' });
  expect((await readdir(path.join(workspace, 'real'))).sort()).toEqual(['inside.txt', 'star.txt']);
});
