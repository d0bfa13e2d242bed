import { rm } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import * as Y from 'yjs';
import { BlueprintRunner, type BlueprintRunnerDeps } from '../server/src/blueprint/blueprint-runner.js';
import { blueprintSchema } from '../server/src/blueprint/blueprint-schema.js';
import { ChecksMemory } from '../server/src/blueprint/checks/checks-memory.js';
import { discoverChecks } from '../server/src/blueprint/checks/discover-checks.js';
import { runChecks } from '../server/src/blueprint/checks/run-checks.js';
import { scopeCheck } from '../server/src/blueprint/checks/scoped-check.js';
import { createRunPersistence } from '../server/src/blueprint/run-persistence.js';
import { createBlueprintRunsRepository } from '../server/src/db/repositories/blueprint-runs.js';
import { createSessionsRepository } from '../server/src/db/repositories/sessions.js';
import { createUsersRepository } from '../server/src/db/repositories/users.js';
import type { ExecOptions, Sandbox } from '../server/src/sandbox/provider.js';
import { createLocalSandboxHarness } from '../server/test-support/local-sandbox.js';
import { openTempDatabase } from '../server/test-support/test-server.js';
import { typescriptExampleRepo } from '../server/test-support/typescript-example.js';
import { report, summarize, type BenchRow } from './stats.js';

/**
 * The blueprint engine's cost, in a real local sandbox:
 * - per deterministic node: a blueprint of `run` nodes (`true`) through a real BlueprintRunner (its
 *   doc writes into a Y.Doc, with and without its state stored in a PGlite store), minus the time
 *   of that very node's `sandbox.exec` (measured around it), beside `sandbox.exec('true')` alone;
 * - checks on what changed, in the TypeScript example (examples/hello-typescript, its toolchain
 *   copied from this project's node_modules): a lint of one changed file with ESLint's cache warm
 *   against a cold full lint as the repo's script runs it, and tsc incremental against cold; then the
 *   same with the example grown by generated modules, as a real repo is.
 */
const WARM_UP_ROUNDS = 5;
const ENGINE_ROUNDS = 60;
const NODES_PER_LONG_BLUEPRINT = 10;
const LINT_ROUNDS = 8;
const GROWN_MODULES = 200;
const signal = new AbortController().signal;
const quiet = { error: (message: string, error?: unknown) => console.error(`[bench] ${message}`, error ?? '') };

/** The sandbox with each exec timed from outside, so a node's own command time can be taken off its total. */
function timedSandbox(sandbox: Sandbox): { sandbox: Sandbox; execMs: () => number } {
  let total = 0;
  const proxy = new Proxy(sandbox, {
    get(target, property, receiver) {
      if (property === 'exec') {
        return async (command: string, options?: ExecOptions) => {
          const started = performance.now();
          try {
            return await target.exec(command, options);
          } finally {
            total += performance.now() - started;
          }
        };
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { sandbox: proxy, execMs: () => total };
}

function runBlueprint(nodes: number) {
  return blueprintSchema.parse({
    name: 'bench-run',
    nodes: Array.from({ length: nodes }, (_, index) => ({ kind: 'run', id: `true-${index + 1}`, title: `true ${index + 1}`, command: 'true' })),
  });
}

/** One blueprint run start to end: its wall time and the part of it its sandbox commands took. */
async function timeRun(sandbox: Sandbox, nodes: number, persist: BlueprintRunnerDeps['persist'], sessionId: string): Promise<{ totalMs: number; execMs: number }> {
  const doc = new Y.Doc();
  const timed = timedSandbox(sandbox);
  const runner = new BlueprintRunner({
    session: { id: sessionId, repo: 'examples/hello-tandem' },
    blueprint: runBlueprint(nodes),
    goal: 'bench',
    startedBy: { id: 'bench-user', name: 'Bench' },
    sandbox: async () => timed.sandbox,
    runAgent: () => Promise.reject(new Error('no agent node in this blueprint')),
    stopAgent: async () => {},
    change: async (apply) => doc.transact(() => apply(doc)),
    read: async (read) => read(doc),
    shipPlace: async () => ({ kind: 'unreachable', reason: 'bench' }),
    commitStore: () => Promise.reject(new Error('no commit node in this blueprint')),
    sessionUrl: 'http://localhost/bench',
    logger: quiet,
    onEnded: () => {},
    persist,
  });
  const started = performance.now();
  const outcome = await runner.start();
  if (outcome.kind !== 'done') throw new Error(`the run was refused: ${outcome.reason}`);
  await runner.whenEnded();
  const totalMs = performance.now() - started;
  if (runner.view().state !== 'passed') throw new Error(`the bench run ended ${runner.view().state}`);
  return { totalMs, execMs: timed.execMs() };
}

async function benchEngine(rows: BenchRow[], context: Record<string, unknown>): Promise<void> {
  const harness = await createLocalSandboxHarness();
  const store = await openTempDatabase();
  const sandbox = await harness.open();
  try {
    const sessionId = 'bench-session';
    await createUsersRepository(store.database.db).upsert({ id: 'bench-user', name: 'Bench' });
    await createSessionsRepository(store.database.db).create({ id: sessionId, title: 'bench', repo: 'examples/hello-tandem', ownerId: 'bench-user' });
    const persistence = createRunPersistence(createBlueprintRunsRepository(store.database.db), quiet);

    const bare: number[] = [];
    const modes = { 'doc only': undefined, 'doc + store': persistence.persist } as const;
    const overhead: Record<string, number[]> = {};
    const perNode: Record<string, number[]> = {};
    for (let round = -WARM_UP_ROUNDS; round < ENGINE_ROUNDS; round += 1) {
      const started = performance.now();
      const result = await sandbox.exec('true', { signal });
      const elapsed = performance.now() - started;
      if (result.exitCode !== 0) throw new Error('`true` failed in the sandbox');
      if (round >= 0) bare.push(elapsed);
      for (const [mode, persist] of Object.entries(modes)) {
        const one = await timeRun(sandbox, 1, persist, sessionId);
        const long = await timeRun(sandbox, NODES_PER_LONG_BLUEPRINT, persist, sessionId);
        if (round < 0) continue;
        (overhead[mode] ??= []).push(one.totalMs - one.execMs);
        (perNode[mode] ??= []).push((long.totalMs - long.execMs) / NODES_PER_LONG_BLUEPRINT);
      }
    }
    const bareStats = summarize(bare);
    rows.push({ metric: "sandbox.exec('true') alone, p50", value: bareStats.p50, unit: 'ms' });
    rows.push({ metric: "sandbox.exec('true') alone, p95", value: bareStats.p95, unit: 'ms' });
    for (const mode of Object.keys(modes)) {
      const single = summarize(overhead[mode]!);
      const amortized = summarize(perNode[mode]!);
      rows.push({ metric: `${mode}: 1-node run, engine overhead over its exec, p50`, value: single.p50, unit: 'ms' });
      rows.push({ metric: `${mode}: 1-node run, engine overhead over its exec, p95`, value: single.p95, unit: 'ms', target: '< 20' });
      rows.push({ metric: `${mode}: ${NODES_PER_LONG_BLUEPRINT}-node run, overhead per node, p50`, value: amortized.p50, unit: 'ms' });
      rows.push({ metric: `${mode}: ${NODES_PER_LONG_BLUEPRINT}-node run, overhead per node, p95`, value: amortized.p95, unit: 'ms', target: '< 20' });
    }
    context.engineRounds = ENGINE_ROUNDS;
    context.nodesPerLongBlueprint = NODES_PER_LONG_BLUEPRINT;
    await persistence.flush();
  } finally {
    await sandbox.close();
    await harness.dispose();
    await store.dispose();
  }
}

/** A module like the example's own, numbered: enough of them and a full lint costs what a real repo's does. */
const generatedModule = (index: number) =>
  `import { addMoney, type Money } from './money.js';\n\n/** Adds a fee of ${index} cents. */\nexport function withFee${index}(amount: Money): Money {\n  return addMoney(amount, { cents: ${index}, currency: amount.currency });\n}\n`;

async function benchChecks(rows: BenchRow[], context: Record<string, unknown>, grown: boolean): Promise<void> {
  const extraFiles: Record<string, string> = {};
  if (grown) for (let index = 1; index <= GROWN_MODULES; index += 1) extraFiles[`src/fee-${index}.ts`] = generatedModule(index);
  const repo = await typescriptExampleRepo(extraFiles);
  const harness = await createLocalSandboxHarness({ repo: repo.dir, repoRoots: [repo.parent] });
  const sandbox = await harness.open();
  const label = grown ? `example + ${GROWN_MODULES} modules` : 'example';
  try {
    const checks = await discoverChecks({ read: (file) => sandbox.readFile(file, { signal }).then((bytes) => new TextDecoder().decode(bytes), () => null) });
    const lint = checks.find((check) => check.name === 'lint')!;
    const typecheck = checks.find((check) => check.name === 'typecheck')!;
    const cold = { lint: [] as number[], typecheck: [] as number[] };
    for (let round = 0; round < LINT_ROUNDS; round += 1) {
      for (const check of [lint, typecheck]) {
        const started = performance.now();
        const result = await sandbox.exec(check.command, { signal, timeoutMs: 120_000 });
        if (result.exitCode !== 0) throw new Error(`${check.name} failed in the example: ${result.stdout.slice(0, 500)}${result.stderr.slice(0, 500)}`);
        cold[check.name as 'lint' | 'typecheck'].push(performance.now() - started);
      }
    }
    // The run's first checks warm the caches; each round then changes one file, as a fix round does.
    const memory = new ChecksMemory();
    const first = await runChecks(sandbox, [typecheck, lint], { timeoutMs: 120_000, signal, memory });
    if (!first.passed) throw new Error(`the example's checks failed: ${first.excerpt}`);
    const warm = { lint: [] as number[], typecheck: [] as number[] };
    // A fix round's kind of edit: inside one module, its exports unchanged (so tsc rechecks that file only).
    const slugify = new TextDecoder().decode(await sandbox.readFile('src/slugify.ts', { signal }));
    for (let round = 0; round < LINT_ROUNDS; round += 1) {
      await sandbox.writeFile('src/slugify.ts', new TextEncoder().encode(`${slugify}// fix round ${round}\n`), { signal });
      for (const check of [lint, typecheck]) {
        const started = performance.now();
        const result = await runChecks(sandbox, [check], { timeoutMs: 120_000, signal, memory });
        const elapsed = performance.now() - started;
        const scope = result.runs[0]!.scope.kind;
        if (!result.passed || scope !== (check === lint ? 'changed' : 'incremental')) throw new Error(`${check.name} ran ${scope}: ${result.excerpt}`);
        warm[check.name as 'lint' | 'typecheck'].push(elapsed);
      }
    }
    // The same cache, every file: what narrowing to the changed file adds to the cache alone.
    const fullWarm: number[] = [];
    const full = scopeCheck({ check: lint, cacheDir: memory.start?.cacheDir, changed: undefined, failedBefore: undefined });
    for (let round = 0; round < LINT_ROUNDS; round += 1) {
      const started = performance.now();
      const result = await sandbox.exec(full.command, { signal, timeoutMs: 120_000 });
      if (result.exitCode !== 0 || full.scope.kind !== 'full') throw new Error(`the full cached lint failed: ${result.stderr.slice(0, 500)}`);
      fullWarm.push(performance.now() - started);
    }
    const p50 = (samples: number[]) => summarize(samples).p50;
    rows.push({ metric: `${label}: lint, cold, every file (the script as written), p50`, value: p50(cold.lint), unit: 'ms' });
    rows.push({ metric: `${label}: lint, every file, cache warm, p50`, value: p50(fullWarm), unit: 'ms' });
    rows.push({ metric: `${label}: lint, 1 changed file, cache warm (git diff included), p50`, value: p50(warm.lint), unit: 'ms' });
    rows.push({ metric: `${label}: lint, 1 changed file, cache warm, p95`, value: summarize(warm.lint).p95, unit: 'ms' });
    rows.push({ metric: `${label}: typecheck, cold (as written), p50`, value: p50(cold.typecheck), unit: 'ms' });
    rows.push({ metric: `${label}: typecheck, incremental after 1 change, p50`, value: p50(warm.typecheck), unit: 'ms' });
    context[grown ? 'grownModules' : 'exampleModules'] = grown ? GROWN_MODULES + 4 : 4;
    context.lintRounds = LINT_ROUNDS;
  } finally {
    await sandbox.close();
    await harness.dispose();
    await rm(repo.parent, { recursive: true, force: true });
  }
}

export async function benchBlueprintEngine(): Promise<void> {
  const rows: BenchRow[] = [];
  const context: Record<string, unknown> = {};
  await benchEngine(rows, context);
  await benchChecks(rows, context, false);
  await benchChecks(rows, context, true);
  await report('blueprint-engine', rows, context);
}
