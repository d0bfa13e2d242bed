import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { fakeScriptSchema, type FakeTaskScript } from './fake-model-script.js';

/**
 * The fixed task suite: eval/tasks/<name>/ holds `task.json` (the goal the agent gets), `repo/` (the
 * project the session starts from), `acceptance/*.test.js` (node:test checks the agent never sees, run
 * after the run on its final workspace) and `fake-model.json` (the scripted answers without an API key).
 */

export const EVAL_DIR = path.dirname(fileURLToPath(import.meta.url));
export const TASKS_DIR = path.join(EVAL_DIR, 'tasks');
/** Files every task's acceptance checks may import (`./workspace.js`). */
export const ACCEPTANCE_SUPPORT_DIR = path.join(EVAL_DIR, 'acceptance-support');

const taskFileSchema = z
  .object({
    title: z.string().min(1).max(120),
    kind: z.enum(['bug', 'feature']),
    goal: z.string().min(1).max(4000),
  })
  .strict();

export interface EvalTask {
  name: string;
  title: string;
  kind: 'bug' | 'feature';
  goal: string;
  /** The project the agent gets (copied into a fresh git repo per run). */
  repoDir: string;
  /** The hidden checks: file name → text (acceptance-support files included). */
  acceptanceFiles: Array<{ name: string; text: string }>;
  fakeScript: FakeTaskScript;
}

async function readJson<T>(file: string, schema: z.ZodType<T>): Promise<T> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new Error(`${path.relative(process.cwd(), file)}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`${path.relative(process.cwd(), file)}: ${issue.path.join('.') || '(top)'}: ${issue.message}`);
  }
  return parsed.data;
}

async function textFiles(dir: string, pattern: RegExp): Promise<Array<{ name: string; text: string }>> {
  const names = (await readdir(dir)).filter((name) => pattern.test(name)).sort();
  return Promise.all(names.map(async (name) => ({ name, text: await readFile(path.join(dir, name), 'utf8') })));
}

export async function loadTask(name: string, tasksDir = TASKS_DIR): Promise<EvalTask> {
  const dir = path.join(tasksDir, name);
  const task = await readJson(path.join(dir, 'task.json'), taskFileSchema);
  const checks = await textFiles(path.join(dir, 'acceptance'), /\.test\.js$/);
  if (checks.length === 0) throw new Error(`${path.relative(process.cwd(), dir)}/acceptance has no *.test.js: a task needs an acceptance check`);
  return {
    name,
    ...task,
    repoDir: path.join(dir, 'repo'),
    acceptanceFiles: [...(await textFiles(ACCEPTANCE_SUPPORT_DIR, /\.js$/)), ...checks],
    fakeScript: await readJson(path.join(dir, 'fake-model.json'), fakeScriptSchema),
  };
}

/** Every task of the suite, by folder name. */
export async function loadTasks(tasksDir = TASKS_DIR): Promise<EvalTask[]> {
  const entries = await readdir(tasksDir, { withFileTypes: true });
  const names = entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();
  return Promise.all(names.map((name) => loadTask(name, tasksDir)));
}
