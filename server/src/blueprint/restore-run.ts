import type { Blueprint, BlueprintNode } from './blueprint-schema.js';
import type { EngineAction, EngineState } from './decide-next.js';

/**
 * Pure: what a restarted server does with a run it finds running or waiting in the store.
 * - Waiting at a gate: it keeps waiting (and can be approved).
 * - Inside a deterministic step (run, checks, commit, push, CI): that step runs again, same attempt;
 *   running it twice does no harm (a commit of nothing is nothing, a push of the same commit is a no-op).
 * - Inside an agent or fix step, or opening a PR: the work cannot be picked up where it stopped, and
 *   repeating it unseen could double it (a second PR), so the step fails, saying the server restarted,
 *   and an editor retries it (or skips it, or takes over).
 */

/** Steps the engine may run again by itself after a restart. */
const RERUNNABLE: ReadonlySet<BlueprintNode['kind']> = new Set(['run', 'checks', 'commit', 'push', 'ci']);

export interface RestoreDecision {
  state: EngineState;
  action: EngineAction;
  /** What the transcript says happened (an `end` action says it itself). */
  notice?: string;
}

function clone(state: EngineState): EngineState {
  return { ...state, nodes: state.nodes.map((node) => ({ ...node })), fixRounds: { ...state.fixRounds } };
}

function stepWords(spec: BlueprintNode): string {
  if (spec.kind === 'agent' || spec.kind === 'fix') return `the agent step “${spec.title}”`;
  return `“${spec.title}”`;
}

function fail(state: EngineState, summary: string): RestoreDecision {
  state.state = 'failed';
  state.current = null;
  state.summary = summary;
  return { state, action: { kind: 'end', state: 'failed', summary } };
}

export function decideRestore(blueprint: Blueprint, stored: EngineState): RestoreDecision {
  const state = clone(stored);
  if (state.state !== 'running' && state.state !== 'waiting') return { state, action: { kind: 'none' } };
  const index = state.current;
  const node = index === null ? undefined : state.nodes[index];
  const spec = index === null ? undefined : blueprint.nodes[index];
  if (!node || !spec) return fail(state, 'The server restarted between two steps of this run, and it could not tell which comes next. Start the run again.');

  if (node.status === 'waiting') {
    return { state, action: { kind: 'none' }, notice: `The server restarted while “${spec.title}” waited for approval; it still waits for an editor.` };
  }
  if (node.status !== 'running') return fail(state, `The server restarted while “${spec.title}” was ${node.status}, and this run could not go on. Retry a step or start again.`);

  if (RERUNNABLE.has(spec.kind)) {
    node.note = 'Ran again: the server restarted during it.';
    return {
      state,
      action: { kind: 'run', nodeId: node.id, attempt: node.attempt },
      notice: `The server restarted during ${stepWords(spec)}; it runs again now.`,
    };
  }
  node.status = 'failed';
  const why =
    spec.kind === 'pull-request'
      ? `The server restarted during ${stepWords(spec)}; the pull request may or may not have been opened, so it is not opened again unseen.`
      : `The server restarted during ${stepWords(spec)}; what it had changed so far is still in the workspace.`;
  node.note = 'The server restarted during this step.';
  return fail(state, `${why} An editor can Retry it, skip it, or take over.`);
}
