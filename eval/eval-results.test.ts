import { describe, expect, it } from 'vitest';
import { acceptanceCounts, formatResultsTable, totalsByBlueprint, type TaskResult } from './eval-results.js';

const result = (task: string, blueprint: string, success: boolean, spend: Partial<TaskResult> = {}): TaskResult => ({
  task,
  blueprint,
  success,
  runState: success ? 'passed' : 'handed-back',
  acceptance: success ? { passed: 3, failed: 0 } : { passed: 1, failed: 2 },
  turns: 2,
  agentRuns: 1,
  fixRounds: 0,
  inputTokens: 1_000,
  outputTokens: 100,
  costUsd: 0.0045,
  wallMs: 1_500,
  ...spend,
});

describe('eval results', () => {
  const results = [
    result('slugify', 'implement', true, { turns: 4, fixRounds: 1, inputTokens: 3_000, costUsd: 0.01, wallMs: 2_500 }),
    result('slugify', 'implement-no-fix', false),
    result('range', 'implement', true),
    result('range', 'implement-no-fix', true),
    result('csv', 'implement', false),
    result('csv', 'implement-no-fix', false, { error: 'the run did not end within 120 s and was stopped' }),
  ];

  it('adds up each blueprint on its own, with its success rate', () => {
    const [implement, noFix] = totalsByBlueprint(results, ['implement', 'implement-no-fix']);
    expect(implement).toMatchObject({ blueprint: 'implement', tasks: 3, successes: 2, successRate: 2 / 3, turns: 8, inputTokens: 5_000, outputTokens: 300, wallMs: 5_500 });
    expect(implement!.costUsd).toBeCloseTo(0.019, 10);
    expect(noFix).toMatchObject({ tasks: 3, successes: 1, successRate: 1 / 3, turns: 6, wallMs: 4_500 });
  });

  it('gives a blueprint with no results a zero rate, not NaN', () => {
    expect(totalsByBlueprint([], ['ask'])[0]).toMatchObject({ tasks: 0, successRate: 0 });
  });

  it('prints one row per task × blueprint and the totals', () => {
    const text = formatResultsTable(results, totalsByBlueprint(results, ['implement', 'implement-no-fix']));
    const rows = text.split('\n').filter((line) => line.startsWith('| slugify'));
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(/\| slugify +\| implement +\| yes +\| passed +\| 3\/3 +\| 1 +\| 4 +\| 3,000 \/ 100 +\| \$0\.0100 \| 2\.5 s \|/);
    expect(text).toContain('error: the run did not end within 120 s');
    expect(text).toMatch(/\| implement +\| 2\/3 \(67%\) \|/);
    expect(text).toMatch(/\| implement-no-fix +\| 1\/3 \(33%\) \|/);
  });

  it('reads the pass and fail counts of node:test’s summary', () => {
    expect(acceptanceCounts('TAP version 13\nok 1 - a\nnot ok 2 - b\n1..2\n# tests 2\n# pass 1\n# fail 1\n# cancelled 0\n')).toEqual({ passed: 1, failed: 1 });
    expect(acceptanceCounts('SyntaxError: Unexpected token')).toEqual({ passed: 0, failed: 0 });
  });
});
