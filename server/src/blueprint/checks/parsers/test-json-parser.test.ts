import { describe, expect, it } from 'vitest';
import { parseCheckOutput } from '../parse-check-output.js';
import { scanTestReport } from './test-report-scan.js';

/**
 * The vitest/jest report is scanned, not parsed whole (10 MB in well under 200 ms): these reports
 * hold what a scan gets wrong if it loses track of strings or nesting.
 */
const ROOT = '/w';
const passed = (title: string, extra: Record<string, unknown> = {}) => ({ ancestorTitles: [], fullName: title, status: 'passed', title, failureMessages: [], ...extra });
const failed = (title: string, line: number, message: string) => ({
  ancestorTitles: ['suite'],
  fullName: `suite ${title}`,
  status: 'failed',
  title,
  failureMessages: [`${message}\n    at ${ROOT}/test/a.test.ts:${line}:7`],
  location: { line: line - 1, column: 3 },
});
const tricky = {
  numTotalTestSuites: 2,
  testResults: [
    {
      assertionResults: [
        passed('says "status":"failed" in its title \\'),
        passed('ends in a backslash \\\\', { meta: { status: 'failed', nested: [{ status: 'failed' }] } }),
        failed('adds 🧮 {numbers} [properly]', 4, 'AssertionError: expected "}" to be "]"'),
        passed('unicode \u2028 and braces }]}]'),
        failed('second', 9, 'Error: boom'),
      ],
      message: '',
      name: `${ROOT}/test/a.test.ts`,
      status: 'failed',
    },
    { assertionResults: [], message: 'Error: Cannot find module "./missing" {"status":"failed"}', name: `${ROOT}/test/b.test.ts`, status: 'failed' },
  ],
};
const EXPECTED = [
  { tool: 'vitest', kind: 'code', check: 'test', file: 'test/a.test.ts', line: 4, column: 7, test: 'suite adds 🧮 {numbers} [properly]', message: 'AssertionError: expected "}" to be "]"' },
  { tool: 'vitest', kind: 'code', check: 'test', file: 'test/a.test.ts', line: 9, column: 7, test: 'suite second', message: 'Error: boom' },
  { tool: 'vitest', kind: 'code', check: 'test', file: 'test/b.test.ts', message: 'Error: Cannot find module "./missing" {"status":"failed"}' },
];
const failuresOf = (stdout: string) => parseCheckOutput({ tool: 'vitest', check: 'test', stdout, stderr: '', exitCode: 1 }, { root: ROOT }).failures;

describe('vitest and jest JSON reports', () => {
  it('finds exactly the failed tests through strings holding quotes, braces, backslashes and a nested "failed" status', () => {
    const compact = JSON.stringify(tricky);
    const scanned = scanTestReport(compact, 0);
    expect(scanned?.map((file) => file.failedJson.length)).toEqual([2, 0]);
    expect(failuresOf(compact)).toEqual(EXPECTED);
  });

  it('reads an indented report, and one with console output (braces and all) around it, the same way', () => {
    expect(failuresOf(JSON.stringify(tricky, null, 2))).toEqual(EXPECTED);
    expect(failuresOf(`log {"x": [1}\n${JSON.stringify(tricky)}\nafter: } ]\n`)).toEqual(EXPECTED);
  });

  it('a cut-off report is no report: the check falls back to its output’s tail', () => {
    const cut = JSON.stringify(tricky).slice(0, 400);
    expect(scanTestReport(cut, 0)).toBeUndefined();
    const [tail, ...rest] = failuresOf(cut);
    expect(rest).toEqual([]);
    expect(tail!.message).toContain('test exited with code 1');
  });
});
