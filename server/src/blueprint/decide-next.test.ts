import { describe, expect, it } from 'vitest';
import type { CheckFailure } from '@tandem/shared/doc/run-schema.js';
import { blueprintSchema, type Blueprint } from './blueprint-schema.js';
import { findBuiltInBlueprint } from './built-in-blueprints.js';
import { decideNext, initialEngineState, maxAttemptsOf, type EngineAction, type EngineEvent, type EngineState } from './decide-next.js';

/** The local loop (implement → checks → fix → commit); the shipping nodes have tests of their own below. */
const implement = blueprintSchema.parse({
  name: 'local-implement',
  nodes: [
    { kind: 'agent', id: 'implement', title: 'Implement' },
    { kind: 'checks', id: 'checks', title: 'Checks' },
    { kind: 'fix', id: 'fix', title: 'Fix failing checks', checks: 'checks' },
    { kind: 'commit', id: 'commit', title: 'Commit' },
  ],
});
const shipped = findBuiltInBlueprint('implement')!;
const failure: CheckFailure = { tool: 'node-test', check: 'test', file: 'test/math.test.js', line: 5, column: 10, test: 'adds', message: '-1 !== 5' };

/** Feeds events one after another, failing the test on a refusal; returns every state and action. */
function play(blueprint: Blueprint, events: EngineEvent[]) {
  let state: EngineState = initialEngineState(blueprint);
  const actions: EngineAction[] = [];
  for (const event of events) {
    const decision = decideNext(blueprint, state, event);
    if (decision.kind === 'refused') throw new Error(`refused ${event.type}: ${decision.reason}`);
    state = decision.state;
    actions.push(decision.action);
  }
  return { state, actions, statuses: () => Object.fromEntries(state.nodes.map((node) => [node.id, `${node.status}${node.attempt ? ` #${node.attempt}` : ''}`])) };
}
const finished = (nodeId: string, passed: boolean, failures: CheckFailure[] = []): EngineEvent => ({ type: 'node-finished', nodeId, passed, failures });

describe('the blueprint engine', () => {
  it('green path: implement → checks pass → the fix step is passed over → commit → passed', () => {
    const run = play(implement, [{ type: 'start' }, finished('implement', true), finished('checks', true), finished('commit', true)]);
    expect(run.actions.map((action) => (action.kind === 'run' ? action.nodeId : action.kind))).toEqual(['implement', 'checks', 'commit', 'end']);
    expect(run.state.state).toBe('passed');
    expect(run.statuses()).toEqual({ implement: 'passed #1', checks: 'passed #1', fix: 'skipped', commit: 'passed #1' });
  });

  it('a failing check runs the fix step, then the checks again; green goes on to commit', () => {
    const run = play(implement, [{ type: 'start' }, finished('implement', true), finished('checks', false, [failure]), finished('fix', true), finished('checks', true), finished('commit', true)]);
    expect(run.actions.map((action) => (action.kind === 'run' ? `${action.nodeId}#${action.attempt}` : action.kind))).toEqual([
      'implement#1',
      'checks#1',
      'fix#1',
      'checks#2',
      'commit#1',
      'end',
    ]);
    expect(run.state.state).toBe('passed');
    expect(run.state.fixRounds).toEqual({ fix: 1 });
    expect(run.statuses()).toEqual({ implement: 'passed #1', checks: 'passed #2', fix: 'passed #1', commit: 'passed #1' });
  });

  it('hands back after the bound (2 fix rounds) with a summary of what is left; a third round never starts', () => {
    const run = play(implement, [
      { type: 'start' },
      finished('implement', true),
      finished('checks', false, [failure]),
      finished('fix', true),
      finished('checks', false, [failure]),
      finished('fix', true),
      finished('checks', false, [failure]),
    ]);
    const last = run.actions.at(-1)!;
    expect(last).toMatchObject({ kind: 'end', state: 'handed-back' });
    expect(run.actions.filter((action) => action.kind === 'run' && action.nodeId === 'fix')).toHaveLength(2);
    expect(run.state.summary).toContain('after 2 fix rounds');
    expect(run.state.summary).toContain('test/math.test.js:5:10');
    expect(run.statuses()).toMatchObject({ checks: 'failed #3', fix: 'passed #2', commit: 'pending' });
    expect(maxAttemptsOf(implement, implement.nodes[1]!)).toBe(3);
    // The engine refuses a late report from a node that is not running.
    expect(decideNext(implement, run.state, finished('fix', true))).toMatchObject({ kind: 'refused' });
  });

  it('a check that could not run (an environment failure) hands back at once: no fix round, the summary says what is missing and how to fix the setup', () => {
    const missing: CheckFailure = {
      tool: 'unknown',
      kind: 'environment',
      check: 'lint',
      message: "`pnpm` is not installed in the sandbox: add it to .tandem/setup.sh (or the repo's setup) and rebuild the snapshot.\nsh: 1: pnpm: not found",
    };
    // Alongside a code failure of another check: the environment still decides, a fix round could not make the checks pass.
    const run = play(implement, [{ type: 'start' }, finished('implement', true), finished('checks', false, [missing, { ...failure, kind: 'code' }])]);
    expect(run.actions.at(-1)).toMatchObject({ kind: 'end', state: 'handed-back' });
    expect(run.actions.some((action) => action.kind === 'run' && action.nodeId === 'fix')).toBe(false);
    expect(run.state.fixRounds).toEqual({});
    expect(run.state.summary).toMatch(/^The checks could not run: an environment problem, not the code/);
    expect(run.state.summary).toContain('`pnpm` is not installed in the sandbox');
    expect(run.state.summary).toContain('.tandem/setup.sh');
    expect(run.statuses()).toMatchObject({ checks: 'failed #1', fix: 'pending', commit: 'pending' });
    // A code failure alone still gets its fix round.
    const code = play(implement, [{ type: 'start' }, finished('implement', true), finished('checks', false, [{ ...failure, kind: 'code' }])]);
    expect(code.actions.at(-1)).toEqual({ kind: 'run', nodeId: 'fix', attempt: 1 });
    // Once the setup is fixed, a person retries the checks and the run goes on.
    const retried = decideNext(implement, run.state, { type: 'retry', nodeId: 'checks', by: 'Ada' });
    expect(retried).toMatchObject({ kind: 'next', action: { kind: 'run', nodeId: 'checks', attempt: 2 } });
  });

  it('a gate waits for a person; approving it goes on and says who approved', () => {
    const gated = blueprintSchema.parse({
      name: 'gated',
      nodes: [
        { kind: 'run', id: 'build', title: 'Build', command: 'true' },
        { kind: 'gate', id: 'review', title: 'Review' },
        { kind: 'commit', id: 'commit', title: 'Commit' },
      ],
    });
    const waiting = play(gated, [{ type: 'start' }, finished('build', true)]);
    expect(waiting.actions.at(-1)).toEqual({ kind: 'wait', nodeId: 'review' });
    expect(waiting.state.state).toBe('waiting');
    expect(decideNext(gated, waiting.state, finished('review', true))).toMatchObject({ kind: 'refused' });
    const approved = decideNext(gated, waiting.state, { type: 'approve', nodeId: 'review', by: 'Bob' });
    expect(approved).toMatchObject({ kind: 'next', action: { kind: 'run', nodeId: 'commit' } });
    if (approved.kind === 'next') expect(approved.state.nodes[1]).toMatchObject({ status: 'passed', note: 'Approved by Bob' });
  });

  it('people skip a step ahead, skip a failed step to go on, and retry a failed step with fresh fix rounds', () => {
    const run = play(implement, [{ type: 'start' }, { type: 'skip', nodeId: 'commit', by: 'Bob' }, finished('implement', true), finished('checks', true)]);
    expect(run.state.state).toBe('passed');
    expect(run.statuses().commit).toBe('skipped');

    const failedRun = play(implement, [{ type: 'start' }, finished('implement', false)]);
    expect(failedRun.state).toMatchObject({ state: 'failed', summary: expect.stringContaining('Implement failed') });
    const retried = decideNext(implement, failedRun.state, { type: 'retry', nodeId: 'implement', by: 'Ada' });
    expect(retried).toMatchObject({ kind: 'next', action: { kind: 'run', nodeId: 'implement', attempt: 2 } });

    const handedBack = play(implement, [
      { type: 'start' },
      finished('implement', true),
      finished('checks', false, [failure]),
      finished('fix', true),
      finished('checks', false, [failure]),
      finished('fix', true),
      finished('checks', false, [failure]),
      { type: 'retry', nodeId: 'checks', by: 'Ada' },
      finished('checks', false, [failure]),
    ]);
    // The retry gave the loop its rounds back: a fix round runs again.
    expect(handedBack.actions.at(-1)).toEqual({ kind: 'run', nodeId: 'fix', attempt: 3 });
    const skipped = play(implement, [{ type: 'start' }, finished('implement', true), finished('checks', false, [failure]), finished('fix', true), finished('checks', false, [failure]), finished('fix', true), finished('checks', false, [failure]), { type: 'skip', nodeId: 'checks', by: 'Bob' }]);
    expect(skipped.actions.at(-1)).toEqual({ kind: 'run', nodeId: 'commit', attempt: 1 });
  });

  it('refuses what makes no sense: skipping a running step, retrying one that passed, acting on a stopped run', () => {
    const running = play(implement, [{ type: 'start' }]);
    expect(decideNext(implement, running.state, { type: 'skip', nodeId: 'implement', by: 'Bob' })).toMatchObject({ kind: 'refused' });
    expect(decideNext(implement, running.state, { type: 'retry', nodeId: 'implement', by: 'Bob' })).toMatchObject({ kind: 'refused' });
    const stopped = play(implement, [{ type: 'start' }, { type: 'stop', by: 'Ada' }]);
    expect(stopped.state).toMatchObject({ state: 'stopped', summary: 'Ada stopped the run.' });
    expect(decideNext(implement, stopped.state, finished('implement', true))).toMatchObject({ kind: 'refused' });
    expect(decideNext(implement, stopped.state, { type: 'start' })).toMatchObject({ kind: 'refused' });
  });

  it('validates blueprints: a fix must follow the checks it names, ids are unique, rounds are bounded', () => {
    const bad = blueprintSchema.safeParse({
      name: 'bad',
      nodes: [
        { kind: 'fix', id: 'fix', title: 'Fix', checks: 'checks' },
        { kind: 'checks', id: 'checks', title: 'Checks' },
        { kind: 'checks', id: 'checks', title: 'Again' },
      ],
    });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues.map((issue) => issue.message)).toEqual(expect.arrayContaining(['"checks" must name a checks or ci node before this fix node', 'node id "checks" is used twice']));
    expect(blueprintSchema.safeParse({ name: 'x', nodes: [{ kind: 'checks', id: 'c', title: 'C' }, { kind: 'fix', id: 'f', title: 'F', checks: 'c', maxRounds: 50 }] }).success).toBe(false);
    expect(findBuiltInBlueprint('implement')!.nodes[2]).toMatchObject({ kind: 'fix', maxRounds: 2 });
    expect(findBuiltInBlueprint('ask')!.nodes.map((node) => node.kind)).toEqual(['agent']);
    // Shipping goes in order, and CI rounds are capped.
    const unordered = blueprintSchema.safeParse({ name: 'y', nodes: [{ kind: 'push', id: 'push', title: 'Push' }, { kind: 'commit', id: 'commit', title: 'Commit' }] });
    expect(unordered.error?.issues.map((issue) => issue.message)).toEqual(['a push node needs a commit node before it']);
    const greedy = blueprintSchema.safeParse({
      name: 'z',
      nodes: [{ kind: 'commit', id: 'c', title: 'C' }, { kind: 'push', id: 'p', title: 'P' }, { kind: 'ci', id: 'ci', title: 'CI' }, { kind: 'fix', id: 'f', title: 'F', checks: 'ci', maxRounds: 3 }],
    });
    expect(greedy.error?.issues.map((issue) => issue.message)).toEqual(['CI runs at most 3 times, so a CI fix gets at most 2 rounds']);
  });
});

describe('shipping: commit → push → draft PR → CI, with a bounded CI fix', () => {
  const local = [finished('implement', true), finished('checks', true), finished('commit', true), finished('push', true)];

  it('a local repo: the PR and CI steps skip themselves and the run passes', () => {
    const skippedStep = (nodeId: string, message: string): EngineEvent => ({ type: 'node-finished', nodeId, passed: false, skipped: true, message });
    const run = play(shipped, [{ type: 'start' }, ...local, skippedStep('pull-request', 'local repo'), skippedStep('ci', 'local repo')]);
    expect(run.state.state).toBe('passed');
    expect(run.statuses()).toMatchObject({ push: 'passed #1', 'pull-request': 'skipped #1', ci: 'skipped #1', 'fix-ci': 'skipped' });
    expect(run.state.nodes.find((node) => node.id === 'fix-ci')?.note).toBe('Not needed: CI was skipped.');
  });

  it('CI fails once: the fix goes back through commit, push and PR to a second CI round that passes', () => {
    const run = play(shipped, [{ type: 'start' }, ...local, finished('pull-request', true), finished('ci', false, [failure]), finished('fix-ci', true), finished('commit', true), finished('push', true), finished('pull-request', true), finished('ci', true)]);
    const ran = run.actions.map((action) => (action.kind === 'run' ? `${action.nodeId}#${action.attempt}` : action.kind));
    expect(ran.slice(5)).toEqual(['ci#1', 'fix-ci#1', 'commit#2', 'push#2', 'pull-request#2', 'ci#2', 'end']);
    expect(run.state.state).toBe('passed');
    expect(maxAttemptsOf(shipped, shipped.nodes.find((node) => node.id === 'push')!)).toBe(2);
  });

  it('CI fails twice: the run hands back with CI’s failures; a third CI round never starts', () => {
    const run = play(shipped, [{ type: 'start' }, ...local, finished('pull-request', true), finished('ci', false, [failure]), finished('fix-ci', true), finished('commit', true), finished('push', true), finished('pull-request', true), finished('ci', false, [failure])]);
    expect(run.actions.at(-1)).toMatchObject({ kind: 'end', state: 'handed-back' });
    expect(run.state.summary).toContain('CI still fails after 1 fix round');
    expect(run.actions.filter((action) => action.kind === 'run' && action.nodeId === 'ci')).toHaveLength(2);
    expect(maxAttemptsOf(shipped, shipped.nodes.find((node) => node.id === 'ci')!)).toBe(2);
  });
});
