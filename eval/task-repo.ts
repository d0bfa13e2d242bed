import { execFile } from 'node:child_process';
import { cp, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { EvalTask } from './task-suite.js';
import { variantBlueprintFiles } from './variant-blueprints.js';

const run = promisify(execFile);
/** Who made the task repo's one commit (the run's own commit is made by the person who started it). */
const TASK_REPO_AUTHOR = ['-c', 'user.name=Tandem eval', '-c', 'user.email=eval@tandem.invalid'];

/**
 * A fresh git repo on `main` holding the task's project and the eval's variant blueprints (as repo
 * blueprints), so a session starts exactly where the task says and every run gets the same start.
 */
export async function prepareTaskRepo(task: EvalTask, parentDir: string, label: string): Promise<string> {
  const dir = path.join(parentDir, `${task.name}--${label}`);
  await cp(task.repoDir, dir, { recursive: true });
  for (const file of variantBlueprintFiles()) {
    await mkdir(path.dirname(path.join(dir, file.path)), { recursive: true });
    await writeFile(path.join(dir, file.path), file.content);
  }
  const git = (...args: string[]) => run('git', ['-C', dir, ...TASK_REPO_AUTHOR, ...args]);
  await git('init', '-q', '-b', 'main');
  await git('add', '-A');
  await git('commit', '-q', '-m', `Task: ${task.title}`);
  return dir;
}
