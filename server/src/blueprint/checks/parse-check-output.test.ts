import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeFailures, parseCheckOutput } from './parse-check-output.js';

/** Output captured from the real tools (tsc, eslint, vitest, node --test, pytest) run on small broken files in /tmp/cap. */
const fixture = (name: string) => readFileSync(path.join(import.meta.dirname, 'fixtures', name), 'utf8');
const context = { root: '/tmp/cap' };
const failed = (tool: Parameters<typeof parseCheckOutput>[0]['tool'], stdout: string) =>
  parseCheckOutput({ tool, check: 'test', stdout, stderr: '', exitCode: 1 }, context).failures;

describe('structured check failures', () => {
  it('reads tsc diagnostics with file, line, column and code', () => {
    expect(failed('tsc', fixture('tsc.txt'))).toEqual([
      { tool: 'tsc', kind: 'code', check: 'test', file: 'src/a.ts', line: 1, column: 7, rule: 'TS2322', message: "Type 'string' is not assignable to type 'number'." },
      { tool: 'tsc', kind: 'code', check: 'test', file: 'src/a.ts', line: 2, column: 40, rule: 'TS2322', message: "Type 'string' is not assignable to type 'number'." },
    ]);
  });

  it('reads ESLint JSON errors (warnings do not fail the check)', () => {
    const failures = failed('eslint', fixture('eslint.json'));
    expect(failures.map((failure) => [failure.file, failure.line, failure.column, failure.rule])).toEqual([
      ['src/b.js', 1, 5, 'no-unused-vars'],
      ['src/b.js', 2, 7, 'eqeqeq'],
      ['src/b.js', 2, 18, 'no-debugger'],
    ]);
    expect(failures[0]!.message).toBe("'unused' is assigned a value but never used.");
  });

  it('reads a vitest JSON report: the failed test, at the assertion line, with its message and no stack', () => {
    expect(failed('vitest', fixture('vitest.json'))).toEqual([
      { tool: 'vitest', kind: 'code', check: 'test', file: 'test/v.test.ts', line: 3, column: 54, test: 'slug lowercases', message: "AssertionError: expected 'a' to be 'b' // Object.is equality" },
    ]);
  });

  it('reads JSON reports among the tool’s other output: jest’s summary on stderr, a test’s console.log and a warning on stdout', () => {
    const stdout = `stdout | test/v.test.ts > slug\nstate { ready: true }\n${fixture('vitest.json')}\n`;
    const stderr = 'FAIL test/v.test.ts\n  ● slug lowercases\n\nTests: 1 failed, 1 passed, 2 total\n';
    for (const tool of ['vitest', 'jest'] as const) {
      const [failure, ...rest] = parseCheckOutput({ tool, check: 'test', stdout, stderr, exitCode: 1 }, context).failures;
      expect(rest).toEqual([]);
      expect(failure).toMatchObject({ tool, file: 'test/v.test.ts', line: 3, test: 'slug lowercases' });
    }
    const lint = parseCheckOutput({ tool: 'eslint', check: 'lint', stdout: fixture('eslint.json'), stderr: '(node:12) [ESLintIgnoreWarning] The ".eslintignore" file is no longer supported.\n', exitCode: 1 }, context);
    expect(lint.total).toBe(3);
  });

  it('reads node:test TAP: the failed test at the assertion line with the assertion message', () => {
    const [failure, ...rest] = failed('node-test', fixture('node-test.tap'));
    expect(rest).toEqual([]);
    expect(failure).toMatchObject({ tool: 'node-test', file: 'test/math.test.js', line: 5, column: 10, test: 'adds two numbers' });
    expect(failure!.message).toContain('-1 !== 5');
  });

  it('reads node:test TAP with nested subtests: only the innermost failure is reported', () => {
    const tap = [
      'TAP version 13',
      '# Subtest: math',
      '    # Subtest: adds',
      '    not ok 1 - adds',
      '      ---',
      "      location: '/tmp/cap/test/m.test.js:3:3'",
      "      failureType: 'testCodeFailure'",
      "      error: 'expected 5'",
      '      ...',
      '    1..1',
      'not ok 1 - math',
      '  ---',
      "  location: '/tmp/cap/test/m.test.js:2:1'",
      "  failureType: 'subtestsFailed'",
      "  error: '1 subtest failed'",
      '  ...',
    ].join('\n');
    expect(failed('node-test', tap)).toEqual([{ tool: 'node-test', kind: 'code', check: 'test', file: 'test/m.test.js', line: 3, column: 3, test: 'adds', message: 'expected 5' }]);
  });

  it('reads pytest JUnit XML: failures and errors at their failing line, skipped tests are not failures', () => {
    const failures = failed('pytest', fixture('pytest-junit.xml'));
    expect(failures.map((failure) => [failure.file, failure.line, failure.test])).toEqual([
      ['tests/test_slug.py', 4, 'tests.test_slug::test_lowercases'],
      ['tests/test_slug.py', 9, 'tests.test_slug::test_connects'],
    ]);
    expect(failures[0]!.message).toContain("AssertionError: assert 'a' == 'b'");
    expect(failures[1]!.message).toBe('failed on setup with "ConnectionError: refused"');
  });

  it('falls back to a capped tail for a tool it cannot read, and to nothing for a passing check', () => {
    const noisy = Array.from({ length: 5000 }, (_, index) => `line ${index}`).join('\n');
    const [tail] = parseCheckOutput({ tool: 'unknown', check: 'make test', stdout: noisy, stderr: 'boom', exitCode: 2 }, context).failures;
    expect(tail!.message).toContain('make test exited with code 2');
    expect(tail!.message).toContain('boom');
    expect(tail!.message).not.toContain('line 100\n');
    expect(tail!.message.length).toBeLessThan(4_100);
    expect(parseCheckOutput({ tool: 'unknown', check: 'lint', stdout: 'fine', stderr: '', exitCode: 0 }, context).failures).toEqual([]);
    // A known tool that crashed before its report still says why.
    expect(failed('vitest', 'Error: Cannot find module vitest')[0]!.message).toContain('Cannot find module vitest');
  });

  it('tells a check that could not run (environment) from one that found problems (code), and says what is missing and how to fix the setup', () => {
    const kindOf = (tool: Parameters<typeof parseCheckOutput>[0]['tool'], stderr: string, exitCode: number, stdout = '') => {
      const { failures, total } = parseCheckOutput({ tool, check: 'test', stdout, stderr, exitCode }, context);
      expect(total).toBe(1);
      return [failures[0]!.kind, failures[0]!.message.split('\n')[0]];
    };
    expect(kindOf('jest', 'sh: 1: jest: not found\n', 127)).toEqual(['environment', "`jest` is not installed in the sandbox: add it to .tandem/setup.sh (or the repo's setup) and rebuild the snapshot."]);
    expect(kindOf('unknown', 'bash: line 1: pnpm: command not found\n', 127)[1]).toContain('`pnpm` is not installed in the sandbox');
    expect(kindOf('unknown', '', 127)[1]).toContain('command was not found in the sandbox (exit 127)');
    expect(kindOf('vitest', "Error: Cannot find module 'vitest/config'\nRequire stack:\n- /workspace/vitest.config.ts", 1)[1]).toContain('The package `vitest` is not installed');
    expect(kindOf('node-test', "Error [ERR_MODULE_NOT_FOUND]: Cannot find package '@scope/lib' imported from /workspace/test/a.test.js", 1)[1]).toContain('`@scope/lib`');
    expect(kindOf('pytest', '/usr/bin/python3: No module named pytest\n', 1)[1]).toContain('The Python module `pytest` is not installed');
    // The code's own missing file, a crash and a plain failing test are the code's.
    expect(kindOf('node-test', "Error [ERR_MODULE_NOT_FOUND]: Cannot find module '/workspace/src/gone.js' imported from /workspace/test/a.test.js", 1)[0]).toBe('code');
    expect(kindOf('unknown', "Error: Cannot find module './helpers'", 1)[0]).toBe('code');
    expect(kindOf('unknown', 'FAIL: expected 3, got 4', 1)[0]).toBe('code');
    expect(failed('tsc', fixture('tsc.txt')).map((failure) => failure.kind)).toEqual(['code', 'code']);
  });

  it('describes failures to the agent as one compact line each, capped', () => {
    const failures = failed('tsc', fixture('tsc.txt'));
    expect(describeFailures(failures, 7)).toBe(
      "- src/a.ts:1:7 [test TS2322] Type 'string' is not assignable to type 'number'.\n- src/a.ts:2:40 [test TS2322] Type 'string' is not assignable to type 'number'.\n… and 5 more",
    );
  });
});
