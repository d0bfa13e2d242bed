import { performance } from 'node:perf_hooks';
import { parseCheckOutput, type CheckOutput } from '../server/src/blueprint/checks/parse-check-output.js';
import { report, summarize, type BenchRow } from './stats.js';

/**
 * Structured parsing of a 10 MB test log per tool (target < 200 ms): node:test TAP, a vitest JSON
 * report and tsc diagnostics, each mostly passing noise with a few hundred failures in it.
 */
const LOG_BYTES = 10 * 1024 * 1024;
const ROUNDS = 7;
const ROOT = '/workspace';

function tapLog(): string {
  const parts: string[] = ['TAP version 13'];
  let size = 0;
  for (let index = 1; size < LOG_BYTES; index += 1) {
    const failing = index % 500 === 0;
    const block = failing
      ? `# Subtest: case ${index}\nnot ok ${index} - case ${index}\n  ---\n  duration_ms: 1.2\n  location: '${ROOT}/test/case.test.js:${index}:1'\n  failureType: 'testCodeFailure'\n  error: |-\n    Expected values to be strictly equal:\n    \n    1 !== 2\n    \n  code: 'ERR_ASSERTION'\n  stack: |-\n    TestContext.<anonymous> (file://${ROOT}/test/case.test.js:${index + 1}:10)\n    Test.runInAsyncScope (node:async_hooks:206:9)\n  ...`
      : `# Subtest: case ${index}\nok ${index} - case ${index}\n  ---\n  duration_ms: 0.4\n  ...`;
    parts.push(block);
    size += block.length + 1;
  }
  return parts.join('\n');
}

function vitestLog(): string {
  const assertionResults: unknown[] = [];
  let size = 0;
  for (let index = 1; size < LOG_BYTES; index += 1) {
    const failing = index % 500 === 0;
    const result = {
      ancestorTitles: ['suite'],
      fullName: `suite case ${index}`,
      status: failing ? 'failed' : 'passed',
      title: `case ${index}`,
      duration: 0.5,
      failureMessages: failing ? [`AssertionError: expected 1 to be 2\n    at ${ROOT}/test/case.test.ts:${index}:20\n    at file:///app/node_modules/@vitest/runner/dist/index.js:1:1`] : [],
      meta: {},
    };
    assertionResults.push(result);
    size += JSON.stringify(result).length;
  }
  return JSON.stringify({ numTotalTests: assertionResults.length, testResults: [{ name: `${ROOT}/test/case.test.ts`, status: 'failed', message: '', assertionResults }] });
}

function tscLog(): string {
  const lines: string[] = [];
  let size = 0;
  for (let index = 1; size < LOG_BYTES; index += 1) {
    const line = `src/module${index % 400}.ts(${index},7): error TS2322: Type 'string' is not assignable to type 'number'.`;
    lines.push(line);
    size += line.length + 1;
  }
  return lines.join('\n');
}

function time(output: CheckOutput): { samples: number[]; failures: number } {
  const samples: number[] = [];
  let failures = 0;
  for (let round = 0; round < ROUNDS; round += 1) {
    const started = performance.now();
    failures = parseCheckOutput(output, { root: ROOT }).total;
    samples.push(performance.now() - started);
  }
  return { samples, failures };
}

export async function benchCheckParse(): Promise<void> {
  const rows: BenchRow[] = [];
  const logs: Array<[CheckOutput['tool'], string]> = [
    ['node-test', tapLog()],
    ['vitest', vitestLog()],
    ['tsc', tscLog()],
  ];
  const context: Record<string, unknown> = { rounds: ROUNDS };
  for (const [tool, stdout] of logs) {
    const { samples, failures } = time({ tool, check: 'test', stdout, stderr: '', exitCode: 1 });
    const stats = summarize(samples);
    rows.push({ metric: `${tool}: parse ${(stdout.length / 1024 / 1024).toFixed(1)} MB, p50`, value: stats.p50, unit: 'ms', target: '< 200' });
    rows.push({ metric: `${tool}: parse, max`, value: stats.max, unit: 'ms', target: '< 200' });
    context[`${tool}Failures`] = failures;
  }
  await report('check-parse', rows, context);
}
