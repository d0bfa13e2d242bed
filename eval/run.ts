import { mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_MODEL } from '../server/src/model/model-client.js';
import { startFakeAnthropic, textReply, type FakeAnthropic } from '../server/test-support/fake-anthropic.js';
import { makeTempDir } from '../server/test-support/test-server.js';
import { DEFAULT_RESULTS_FILE, EVAL_USAGE, parseEvalFlags, selectTasks } from './eval-flags.js';
import { formatResultsTable, totalsByBlueprint, type TaskResult } from './eval-results.js';
import { startEvalServer, type EvalModel } from './eval-server.js';
import { fakeReplyFor, taskOfRequest } from './fake-model-script.js';
import { runTask } from './run-task.js';
import { prepareTaskRepo } from './task-repo.js';
import { loadTasks } from './task-suite.js';

/** `npm run eval`: every selected task through every selected blueprint, one at a time; a table and eval/results/latest.json. */

/** A run against the fake ends in seconds; a real model gets as long as a person would wait for a small task. */
const FAKE_RUN_TIMEOUT_MS = 2 * 60_000;
const MODEL_RUN_TIMEOUT_MS = 15 * 60_000;
const FAKE_MODEL_NOTICE = 'These figures come from the FAKE model (no ANTHROPIC_API_KEY): scripted per-task answers through the real server, sandbox and agent loop. They prove the mechanics, not a model; tokens are estimated (characters / 4) and priced as';

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}

const parsed = parseEvalFlags(process.argv.slice(2));
if (!parsed.ok) fail(parsed.message);
const { flags } = parsed;
if (flags.help) {
  console.log(EVAL_USAGE);
  process.exit(0);
}
let allTasks;
try {
  allTasks = await loadTasks();
} catch (error) {
  fail(`The task suite does not load: ${error instanceof Error ? error.message : String(error)}. Fix that task's files.`);
}
const selected = selectTasks(allTasks, flags.tasks);
if (!selected.ok) fail(`${selected.message} Run \`npm run eval -- --task <name>\` with one of them.`);
const { tasks } = selected;

const apiKey = process.env.ANTHROPIC_API_KEY;
const modelName = process.env.TANDEM_MODEL || DEFAULT_MODEL;
let fake: FakeAnthropic | null = null;
let model: EvalModel;
if (apiKey) {
  model = { kind: 'anthropic', name: modelName };
  console.error(`Model: ${modelName} (ANTHROPIC_API_KEY is set${process.env.ANTHROPIC_BASE_URL ? `, at ${process.env.ANTHROPIC_BASE_URL}` : ''}).`);
} else {
  fake = await startFakeAnthropic((request) => {
    const task = taskOfRequest(tasks, request.body);
    return task ? fakeReplyFor(task.fakeScript, request.body) : textReply('No eval task matches this request.');
  });
  model = { kind: 'fake', baseUrl: fake.url, name: modelName };
  console.error(`Model: the FAKE Messages API (no ANTHROPIC_API_KEY), priced as ${modelName}. Set ANTHROPIC_API_KEY to measure a real model.`);
}

const reposDir = await makeTempDir('eval-repos');
const { server, api, close } = await startEvalServer(reposDir, model);
const results: TaskResult[] = [];
const startedAt = new Date();
try {
  const { token } = await api.identity('Eval');
  for (const task of tasks) {
    for (const blueprint of flags.blueprints) {
      const repoDir = await prepareTaskRepo(task, reposDir, blueprint);
      const result = await runTask({ server, api, token, modelName, runTimeoutMs: model.kind === 'fake' ? FAKE_RUN_TIMEOUT_MS : MODEL_RUN_TIMEOUT_MS }, task, blueprint, repoDir);
      results.push(result);
      const verdict = result.error ? `error: ${result.error}` : result.success ? 'passed acceptance' : `failed acceptance (${result.acceptance.failed} failing)`;
      console.error(`  ${task.name} × ${blueprint}: ${verdict}, run ${result.runState}, ${(result.wallMs / 1000).toFixed(1)} s`);
    }
  }
} finally {
  await close();
  await fake?.close();
  await rm(reposDir, { recursive: true, force: true });
}

const totals = totalsByBlueprint(results, flags.blueprints);
const notice = model.kind === 'fake' ? `${FAKE_MODEL_NOTICE} ${modelName}.` : `Model: ${modelName}; cost estimated from the model's reported usage at list price.`;
const report = {
  measuredAt: startedAt.toISOString(),
  model: { kind: model.kind, name: modelName },
  notice,
  machine: { cores: os.cpus().length, loadAverage: os.loadavg().map((load) => Number(load.toFixed(2))) },
  blueprints: flags.blueprints,
  tasks: tasks.map((task) => task.name),
  results,
  totals,
};
await mkdir(path.dirname(DEFAULT_RESULTS_FILE), { recursive: true });
await writeFile(DEFAULT_RESULTS_FILE, `${JSON.stringify(report, null, 2)}\n`);
if (flags.json) console.log(JSON.stringify(report, null, 2));
else console.log(`\n${notice}\n\n${formatResultsTable(results, totals)}\n\nwritten to ${DEFAULT_RESULTS_FILE}`);
process.exit(results.some((result) => result.error) ? 1 : 0);
