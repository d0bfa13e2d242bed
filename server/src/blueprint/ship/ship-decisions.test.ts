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
  it('quotes people’s and the model’s text: no HTML, no mentions, no forged rows, headings or links', () => {
    const body = pullRequestBody({
      goal: 'Fix <script>alert(1)</script> for @acme/core &#64;team\n# Approved by legal\n```',
      plan: [{ id: 'p1', title: 'Read the code [here](https://evil.example)', status: 'done', kind: 'agent', attempts: 1 }],
      run: {
        blueprint: 'implement',
        nodes: [{ id: 'c', kind: 'checks', title: 'Lint | ✅ passed | 1 of 1 |\n| Security', status: 'failed', attempt: 1, maxAttempts: 1, failures: [] }],
      },
      startedBy: 'Ada',
      steeredBy: ['Bob\n# Approved'],
      sessionUrl: 'https://tandem.example/s/s_1',
    });
    // In a fence longer than any inside it, the goal is shown as written and nothing in it renders or mentions.
    expect(body).toContain('````text\nFix <script>alert(1)</script> for @acme/core &#64;team\n# Approved by legal\n```\n````');
    expect(body).toContain('- [x] Read the code \\[here\\]\\(https://evil.example\\)');
    // The forged row is one escaped cell of a failed check's row.
    expect(body).toContain('| Lint \\| ✅ passed \\| 1 of 1 \\| \\| Security | ❌ failed | 1 of 1 |');
    expect(body).toContain('steered by Bob \\# Approved.');
    expect(body).toContain('[Tandem session](https://tandem.example/s/s_1)');
  });
});
