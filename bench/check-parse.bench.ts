import { performance } from 'node:perf_hooks';
import { parseCheckOutput, type CheckOutput } from '../server/src/blueprint/checks/parse-check-output.js';
import { report, summarize, type BenchRow } from './stats.js';

/**
 * Structured parsing of a 10 MB test log per tool (target p95 < 200 ms): node:test TAP, a vitest
 * JSON report, pytest's JUnit XML and tsc diagnostics, each mostly passing noise with a few hundred
 * failures in it.
 */
const LOG_BYTES = 10 * 1024 * 1024;
/** Enough rounds for the p95 to be one sample short of the worst, not the worst itself. */
const ROUNDS = 40;
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

function junitLog(): string {
  const parts: string[] = ['<?xml version="1.0" encoding="utf-8"?><testsuites name="pytest tests"><testsuite name="pytest" errors="0" failures="1" tests="1">'];
  let size = 0;
  for (let index = 1; size < LOG_BYTES; index += 1) {
    const attributes = `classname="tests.test_case" name="test_case_${index}" file="tests/test_case.py" line="${index}" time="0.001"`;
    let testcase: string;
    if (index % 500 === 0) {
      testcase = `<testcase ${attributes}><failure message="AssertionError: assert 1 == 2">def test_case_${index}():\n&gt;       assert one() == 2\nE       AssertionError: assert 1 == 2\n\ntests/test_case.py:${index + 1}: AssertionError</failure></testcase>`;
    } else if (index % 50 === 0) {
      // A passing test with captured output: a body, but no failure in it.
      testcase = `<testcase ${attributes}><system-out>connecting to db &lt;local&gt;\nready after 3 tries\n</system-out></testcase>`;
    } else {
      testcase = `<testcase ${attributes} />`;
    }
    parts.push(testcase);
    size += testcase.length;
  }
  parts.push('</testsuite></testsuites>');
  return parts.join('');
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
    ['pytest', junitLog()],
    ['tsc', tscLog()],
  ];
  const context: Record<string, unknown> = { rounds: ROUNDS };
  for (const [tool, stdout] of logs) {
    const { samples, failures } = time({ tool, check: 'test', stdout, stderr: '', exitCode: 1 });
    const stats = summarize(samples);
    rows.push({ metric: `${tool}: parse ${(stdout.length / 1024 / 1024).toFixed(1)} MB, p50`, value: stats.p50, unit: 'ms' });
    rows.push({ metric: `${tool}: parse, p95`, value: stats.p95, unit: 'ms', target: '< 200' });
    rows.push({ metric: `${tool}: parse, max`, value: stats.max, unit: 'ms' });
    context[`${tool}Failures`] = failures;
  }
  await report('check-parse', rows, context);
}
