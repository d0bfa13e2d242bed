import { MAX_NODE_FAILURES, type CheckFailure, type CheckTool } from '@tandem/shared/doc/run-schema.js';
import { detectEnvironmentProblem } from './environment-failure.js';
import { parseEslint } from './parsers/eslint-parser.js';
import { parseJunit } from './parsers/junit-parser.js';
import { FailureCollector, type OutputParser, type ParseContext } from './parsers/parser.js';
import { parseTap } from './parsers/tap-parser.js';
import { createTestJsonParser } from './parsers/test-json-parser.js';
import { parseTsc } from './parsers/tsc-parser.js';

/** Lines of a failed check's output kept when no parser can read it. */
export const MAX_FALLBACK_TAIL_LINES = 40;
export const MAX_FALLBACK_TAIL_CHARS = 4_000;

const PARSERS: Record<Exclude<CheckTool, 'unknown'>, OutputParser> = {
  tsc: parseTsc,
  eslint: parseEslint,
  vitest: createTestJsonParser('vitest'),
  jest: createTestJsonParser('jest'),
  'node-test': parseTap,
  pytest: parseJunit,
};

/** Tools whose report is JSON printed to stdout. */
const REPORT_ON_STDOUT: ReadonlySet<CheckTool> = new Set(['eslint', 'vitest', 'jest']);

/** The last lines of an output, capped in lines and characters. */
export function outputTail(output: string, maxLines = MAX_FALLBACK_TAIL_LINES, maxChars = MAX_FALLBACK_TAIL_CHARS): string {
  const lines = output.trimEnd().split('\n').slice(-maxLines).join('\n');
  return lines.length <= maxChars ? lines : lines.slice(-maxChars);
}

export interface CheckOutput {
  tool: CheckTool;
  check: string;
  stdout: string;
  stderr: string;
  exitCode: number | null;
}

/**
 * A finished check's failures: its tool's parser over its output, capped; a check that failed with
 * nothing a parser could read (an unknown tool, a crash before the report) becomes one failure
 * holding the capped tail of its output. Every failure says its kind: `environment` when the check
 * could not run at all (environment-failure.ts), else `code`.
 */
export function parseCheckOutput(output: CheckOutput, context: ParseContext): { failures: CheckFailure[]; total: number } {
  const parser = output.tool === 'unknown' ? undefined : PARSERS[output.tool];
  const collector = new FailureCollector(MAX_NODE_FAILURES);
  // A JSON report is on stdout alone (jest writes its summary to stderr); the other tools' lines may
  // be on either. stderr joins only when there is any: copying a 10 MB stdout costs time.
  const text = REPORT_ON_STDOUT.has(output.tool) || !output.stderr ? output.stdout : `${output.stdout}\n${output.stderr}`;
  if (parser) parser(text, context, collector);
  if (collector.total === 0 && output.exitCode !== 0) {
    const tail = outputTail(`${output.stdout}\n${output.stderr}`) || '(no output)';
    const problem = detectEnvironmentProblem(output);
    if (problem) {
      // What is missing first: the hand-back and the card lead with it, the output's tail says how it showed.
      return { failures: [{ tool: output.tool, kind: 'environment', check: output.check, message: `${problem.message}\n${outputTail(tail, 8, 1_000)}` }], total: 1 };
    }
    const reason = output.exitCode === null ? 'timed out or was killed' : `exited with code ${output.exitCode}`;
    return { failures: [{ tool: output.tool, kind: 'code', check: output.check, message: `${output.check} ${reason}:\n${tail}` }], total: 1 };
  }
  return { failures: collector.failures.map((failure) => ({ ...failure, kind: 'code' as const, check: output.check })), total: collector.total };
}

/** The compact list the agent gets: one line per failure, `file:line:col tool rule|test: message`. */
export function describeFailures(failures: CheckFailure[], total = failures.length): string {
  const lines = failures.map((failure) => {
    const where = failure.file ? `${failure.file}${failure.line ? `:${failure.line}${failure.column ? `:${failure.column}` : ''}` : ''}` : '(no location)';
    const what = failure.rule ?? failure.test;
    return `- ${where} [${failure.check ?? failure.tool}${what ? ` ${what}` : ''}] ${failure.message.split('\n').slice(0, 6).join('\n  ')}`;
  });
  if (total > failures.length) lines.push(`… and ${total - failures.length} more`);
  return lines.join('\n');
}
