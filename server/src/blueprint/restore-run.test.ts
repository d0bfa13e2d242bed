import { describe, expect, it } from 'vitest';
import { blueprintSchema } from './blueprint-schema.js';
import { decideNext, initialEngineState, type EngineState } from './decide-next.js';
import { decideNodeEdit } from './node-edits.js';
import { decideRestore } from './restore-run.js';

const blueprint = blueprintSchema.parse({
  name: 'restorable',
  nodes: [
    { kind: 'gate', id: 'go', title: 'Go' },
    { kind: 'agent', id: 'implement', title: 'Implement' },
    { kind: 'checks', id: 'checks', title: 'Checks' },
    { kind: 'fix', id: 'fix', title: 'Fix', checks: 'checks' },
    { kind: 'commit', id: 'commit', title: 'Commit' },
    { kind: 'push', id: 'push', title: 'Push' },
    { kind: 'pull-request', id: 'pr', title: 'Open PR' },
  ],
});

/** The engine state after `events`, as the store would have kept it. */
function after(...events: Parameters<typeof decideNext>[2][]): EngineState {
  let state = initialEngineState(blueprint);
  for (const event of events) {
    const decision = decideNext(blueprint, state, event);
    if (decision.kind === 'refused') throw new Error(decision.reason);
    state = decision.state;
  }
  return state;
}
const passed = (nodeId: string) => ({ type: 'node-finished' as const, nodeId, passed: true });

describe('decideRestore: what a restarted server does with a stored run', () => {
  it('a run waiting at a gate keeps waiting, and can be approved', () => {
    const decision = decideRestore(blueprint, after({ type: 'start' }));
    expect(decision.action).toEqual({ kind: 'none' });
    expect(decision.state.state).toBe('waiting');
    expect(decision.notice).toBe('The server restarted while “Go” waited for approval; it still waits for an editor.');
    expect(decideNext(blueprint, decision.state, { type: 'approve', nodeId: 'go', by: 'Bob' })).toMatchObject({ kind: 'next', action: { kind: 'run', nodeId: 'implement' } });
  });

  it('a deterministic step runs again with the same attempt', () => {
    const stored = after({ type: 'start' }, { type: 'approve', nodeId: 'go', by: 'Bob' }, passed('implement'));
    const decision = decideRestore(blueprint, stored);
    expect(decision.action).toEqual({ kind: 'run', nodeId: 'checks', attempt: 1 });
    expect(decision.notice).toBe('The server restarted during “Checks”; it runs again now.');
    expect(decideNext(blueprint, decision.state, passed('checks'))).toMatchObject({ kind: 'next', action: { kind: 'run', nodeId: 'commit' } });
  });

  it('an agent step fails with a note, and a retry runs it again', () => {
    const decision = decideRestore(blueprint, after({ type: 'start' }, { type: 'approve', nodeId: 'go', by: 'Bob' }));
    expect(decision.action).toMatchObject({ kind: 'end', state: 'failed', summary: expect.stringContaining('The server restarted during the agent step “Implement”;') });
    expect(decision.state.nodes[1]).toMatchObject({ status: 'failed', note: 'The server restarted during this step.' });
    expect(decideNext(blueprint, decision.state, { type: 'retry', nodeId: 'implement', by: 'Bob' })).toMatchObject({ kind: 'next', action: { kind: 'run', nodeId: 'implement', attempt: 2 } });
  });

  it('a PR step is not repeated unseen; an ended run is left alone', () => {
    const atPr = after({ type: 'start' }, { type: 'approve', nodeId: 'go', by: 'Bob' }, passed('implement'), passed('checks'), passed('commit'), passed('push'));
    expect(decideRestore(blueprint, atPr).action).toMatchObject({ kind: 'end', state: 'failed', summary: expect.stringContaining('may or may not have been opened') });
    const stopped = after({ type: 'start' }, { type: 'stop', by: 'Ada' });
    const left = decideRestore(blueprint, stopped);
    expect(left.action).toEqual({ kind: 'none' });
    expect(left.notice).toBeUndefined();
  });
});

describe('decideNodeEdit: parameters of steps not yet run', () => {
  const waiting = after({ type: 'start' });

  it('edits the one parameter of its kind, within the schema’s bounds', () => {
    expect(decideNodeEdit(blueprint, waiting, 'fix', { maxRounds: 3 })).toMatchObject({ kind: 'edited', index: 3, node: { maxRounds: 3 }, changes: ['rounds 3 (was 2)'] });
    expect(decideNodeEdit(blueprint, waiting, 'fix', { maxRounds: 6 })).toMatchObject({ kind: 'refused', status: 400, reason: 'maxRounds: Too big: expected number to be <=5' });
    expect(decideNodeEdit(blueprint, waiting, 'commit', { goal: 'x' })).toMatchObject({ kind: 'refused', status: 400, reason: "A commit step's message can be edited, not its goal." });
    expect(decideNodeEdit(blueprint, waiting, 'push', { message: 'x' })).toMatchObject({ kind: 'refused', status: 400, reason: 'A push step has no parameters to edit.' });
  });

  it('refuses a step that is waiting or has run, with a 409', () => {
    expect(decideNodeEdit(blueprint, waiting, 'go', { goal: 'x' })).toMatchObject({ kind: 'refused', status: 409 });
    const ran = after({ type: 'start' }, { type: 'approve', nodeId: 'go', by: 'Bob' }, passed('implement'));
    expect(decideNodeEdit(blueprint, ran, 'implement', { goal: 'again' })).toMatchObject({ kind: 'refused', status: 409, reason: '“Implement” has run already (passed); only steps that have not run yet can be edited.' });
    expect(decideNodeEdit(blueprint, ran, 'nope', { goal: 'x' })).toMatchObject({ kind: 'refused', status: 404 });
  });
});
