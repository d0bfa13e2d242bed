import { execFileSync, spawnSync } from 'node:child_process';
import { cp, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../server/test-support/test-server.js';
import { acceptanceScript } from './acceptance.js';
import { acceptanceCounts } from './eval-results.js';
import { fakeScriptSchema } from './fake-model-script.js';
import { loadTasks, type EvalTask } from './task-suite.js';

/** The suite measures something only if each hidden check fails on the project as the agent gets it. */
let tasks: EvalTask[] = [];
let scratch = '';
beforeAll(async () => {
  tasks = await loadTasks();
  scratch = await makeTempDir('eval-suite');
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

describe('the eval task suite', () => {
  it('has at least 5 tasks, each with a goal, a hidden check and a scripted fake answer, and one the first attempt gets wrong', () => {
    expect(tasks.length).toBeGreaterThanOrEqual(5);
    for (const task of tasks) {
      expect(task.goal.length, task.name).toBeGreaterThan(20);
      expect(task.acceptanceFiles.some((file) => file.name.endsWith('.test.js')), task.name).toBe(true);
      expect(fakeScriptSchema.safeParse(task.fakeScript).success, task.name).toBe(true);
    }
    expect(tasks.some((task) => task.fakeScript.attempts.length > 1)).toBe(true);
  });

  it('keeps the acceptance checks out of the repo the agent gets', () => {
    for (const task of tasks) {
      const files = execFileSync('find', [task.repoDir, '-type', 'f'], { encoding: 'utf8' });
      for (const check of task.acceptanceFiles) expect(files, task.name).not.toContain(check.name);
    }
  });

  it('fails every task’s acceptance check on the untouched project', async () => {
    for (const task of tasks) {
      const workspace = path.join(scratch, task.name, 'workspace');
      await cp(task.repoDir, workspace, { recursive: true });
      const checksDir = path.join(scratch, task.name, 'acceptance');
      await mkdir(checksDir, { recursive: true });
      const run = spawnSync('bash', ['-s'], { cwd: workspace, input: acceptanceScript(task.acceptanceFiles, checksDir), encoding: 'utf8' });
      expect(run.status, `${task.name}: ${run.stdout}${run.stderr}`).not.toBe(0);
      expect(acceptanceCounts(run.stdout).failed, `${task.name} fails by a test, not a crash`).toBeGreaterThan(0);
    }
  });
});
