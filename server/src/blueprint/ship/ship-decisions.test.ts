import { describe, expect, it } from 'vitest';
import { ciFailuresOf, judgeCi, type CiCheckRun } from './ci-reading.js';
import { parseGitHubRepo } from './github-repo.js';
import { pullRequestBody } from './pull-request-body.js';

const host = { webUrl: 'https://github.com', gitUrl: 'https://github.com' };
const run = (overrides: Partial<CiCheckRun>): CiCheckRun => ({ id: 1, name: 'build', status: 'completed', conclusion: 'success', ...overrides });

describe('which repos are GitHub repos', () => {
  it('reads owner and name from the forms people paste, and nothing else', () => {
    expect(parseGitHubRepo('https://github.com/acme/app', host)).toEqual({ owner: 'acme', name: 'app' });
    expect(parseGitHubRepo('https://github.com/acme/app.git', host)).toEqual({ owner: 'acme', name: 'app' });
    expect(parseGitHubRepo('git@github.com:acme/app.git', host)).toEqual({ owner: 'acme', name: 'app' });
    expect(parseGitHubRepo('https://gitlab.com/acme/app', host)).toBeNull();
    expect(parseGitHubRepo('https://github.com/acme/app/tree/main', host)).toBeNull();
    expect(parseGitHubRepo('https://github.com/-acme/app', host)).toBeNull();
    expect(parseGitHubRepo('https://github.com/acme/..', host)).toBeNull();
    expect(parseGitHubRepo('/home/ada/app', host)).toBeNull();
  });
});

describe('judging CI', () => {
  const waited = { elapsedMs: 0, noChecksGraceMs: 60_000 };
  it('waits while anything runs, passes when all pass, fails on any failure, and says there is no CI after the grace', () => {
    expect(judgeCi({ checkRuns: [run({ status: 'in_progress', conclusion: null }), run({ name: 'lint' })], statuses: [] }, waited)).toEqual({ kind: 'pending', waitingFor: ['build'] });
    expect(judgeCi({ checkRuns: [run({}), run({ name: 'docs', conclusion: 'skipped' })], statuses: [{ context: 'ci/legacy', state: 'success' }] }, waited)).toMatchObject({ kind: 'passed' });
    expect(judgeCi({ checkRuns: [run({ conclusion: 'timed_out' })], statuses: [] }, waited)).toMatchObject({ kind: 'failed', failedRuns: [{ conclusion: 'timed_out' }] });
    expect(judgeCi({ checkRuns: [], statuses: [{ context: 'ci/legacy', state: 'error' }] }, waited)).toMatchObject({ kind: 'failed', failedStatuses: [{ context: 'ci/legacy' }] });
    expect(judgeCi({ checkRuns: [], statuses: [] }, waited)).toEqual({ kind: 'pending', waitingFor: [] });
    expect(judgeCi({ checkRuns: [], statuses: [] }, { elapsedMs: 60_000, noChecksGraceMs: 60_000 })).toEqual({ kind: 'none' });
  });

  it('turns a failed job into located failures from its annotations, else one capped failure from its log', () => {
    const failed = run({ conclusion: 'failure', summary: '2 errors' });
    expect(ciFailuresOf(failed, [{ path: 'src/a.ts', startLine: 3, startColumn: 7, level: 'failure', message: "Type 'string' is not assignable" }, { path: 'x', level: 'warning', message: 'ignored' }], 'log')).toEqual([
      { tool: 'unknown', check: 'build', file: 'src/a.ts', line: 3, column: 7, message: "Type 'string' is not assignable" },
    ]);
    const fromLog = ciFailuresOf(failed, [], `${'x'.repeat(2_000)}\nError: boom`);
    expect(fromLog).toHaveLength(1);
    expect(fromLog[0]!.message.length).toBeLessThanOrEqual(500);
  });
});

describe('the draft PR body', () => {
  it('quotes people’s text so it cannot open HTML or ping a team', () => {
    const body = pullRequestBody({
      goal: 'Fix <script>alert(1)</script> for @acme/core',
      plan: [{ id: 'p1', title: 'Read the code', status: 'done', kind: 'agent', attempts: 1 }],
      run: { blueprint: 'implement', nodes: [] },
      startedBy: 'Ada',
      steeredBy: [],
      sessionUrl: 'https://tandem.example/s/s_1',
    });
    expect(body).toContain('Fix &lt;script>alert(1)&lt;/script> for @\u200bacme/core');
    expect(body).toContain('- [x] Read the code');
    expect(body).toContain('[Tandem session](https://tandem.example/s/s_1)');
  });
});
