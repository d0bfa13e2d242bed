import type { CheckFailure, RunNodeStatus, RunState } from '@tandem/shared/doc/run-schema.js';
import type { Blueprint, BlueprintNode, FixNode } from './blueprint-schema.js';
import { describeFailures } from './checks/parse-check-output.js';

/**
 * The blueprint engine's policy, pure: given the run's state and an event (a node finished, a person
 * approved, skipped or retried a node, someone stopped the run), the next state and the one thing the
 * executor does next. Every bound is enforced here: a fix loop gets `maxRounds` rounds, then the run
 * hands back to people with what is left; checks that could not run (an environment failure) hand
 * back at once, without a fix round.
 */

export interface NodeState {
  id: string;
  status: RunNodeStatus;
  /** Times the node started (a retry or another fix round adds one). */
  attempt: number;
  failures: CheckFailure[];
  /** Failures found in all, of which `failures` are the first (capped). */
  failureTotal: number;
  /** Who approved, skipped or retried it; why it failed. */
  note?: string;
}

export interface EngineState {
  state: RunState;
  nodes: NodeState[];
  /** Index of the node running or waiting, or null before the start and after the end. */
  current: number | null;
  /** Rounds used per fix node. */
  fixRounds: Record<string, number>;
  summary?: string;
}

export type EngineEvent =
  | { type: 'start' }
  /** `skipped`: the node had nothing to do here (no commit to push, no CI on a local repo); the run goes on. */
  | { type: 'node-finished'; nodeId: string; passed: boolean; skipped?: boolean; failures?: CheckFailure[]; failureTotal?: number; message?: string }
  | { type: 'approve'; nodeId: string; by: string }
  | { type: 'skip'; nodeId: string; by: string }
  | { type: 'retry'; nodeId: string; by: string }
  | { type: 'stop'; by: string };

export type EngineAction =
  | { kind: 'run'; nodeId: string; attempt: number }
  | { kind: 'wait'; nodeId: string }
  | { kind: 'end'; state: Extract<RunState, 'passed' | 'handed-back' | 'failed' | 'stopped'>; summary: string }
  /** A change of state only (a node skipped ahead of time). */
  | { kind: 'none' };

export type Decision = { kind: 'next'; state: EngineState; action: EngineAction } | { kind: 'refused'; reason: string };

/** Failures listed in a hand-back summary (the cards show them all). */
export const MAX_SUMMARY_FAILURES = 10;

export function initialEngineState(blueprint: Blueprint): EngineState {
  return {
    state: 'running',
    nodes: blueprint.nodes.map((node) => ({ id: node.id, status: 'pending', attempt: 0, failures: [], failureTotal: 0 })),
    current: null,
    fixRounds: {},
  };
}

/**
 * Attempts a node may take before the engine stops on its own: a checks or CI node runs once plus
 * once per fix round, and so do the nodes a CI fix sends the run back through (commit, push, …).
 */
export function maxAttemptsOf(blueprint: Blueprint, node: BlueprintNode): number {
  if (node.kind === 'fix') return node.maxRounds;
  if (node.kind === 'checks' || node.kind === 'ci') {
    const fix = fixNodeFor(blueprint, node.id);
    return 1 + (fix?.maxRounds ?? 0);
  }
  const index = blueprint.nodes.indexOf(node);
  const ciBehind = blueprint.nodes.find((candidate, ciIndex) => candidate.kind === 'ci' && ciIndex > index && reshipStartOf(blueprint, ciIndex) <= index);
  return ciBehind ? 1 + (fixNodeFor(blueprint, ciBehind.id)?.maxRounds ?? 0) : 1;
}

/** Where a CI fix sends the run back to: the last commit before the CI node (commit, push, CI again), else the CI node. */
export function reshipStartOf(blueprint: Blueprint, ciIndex: number): number {
  for (let index = ciIndex - 1; index >= 0; index -= 1) if (blueprint.nodes[index]!.kind === 'commit') return index;
  return ciIndex;
}

function fixNodeFor(blueprint: Blueprint, checksId: string): FixNode | undefined {
  return blueprint.nodes.find((node): node is FixNode => node.kind === 'fix' && node.checks === checksId);
}

/** Copies, so a decision never changes the state it was given. */
function clone(state: EngineState): EngineState {
  return { ...state, nodes: state.nodes.map((node) => ({ ...node })), fixRounds: { ...state.fixRounds } };
}

const ENDED: ReadonlySet<RunState> = new Set(['passed', 'handed-back', 'failed', 'stopped']);

function startNode(state: EngineState, index: number): EngineAction {
  const node = state.nodes[index]!;
  state.current = index;
  node.attempt += 1;
  node.status = 'running';
  state.state = 'running';
  return { kind: 'run', nodeId: node.id, attempt: node.attempt };
}

function end(state: EngineState, kind: Extract<EngineAction, { kind: 'end' }>['state'], summary: string): EngineAction {
  state.state = kind;
  state.current = null;
  state.summary = summary;
  return { kind: 'end', state: kind, summary };
}

/** Goes on from node `index`: the next node that is neither skipped nor a fix whose checks did not fail. */
function advance(blueprint: Blueprint, state: EngineState, index: number): EngineAction {
  for (let next = index; next < state.nodes.length; next += 1) {
    const node = state.nodes[next]!;
    const spec = blueprint.nodes[next]!;
    if (node.status === 'skipped') continue;
    if (spec.kind === 'fix') {
      const checks = state.nodes.find((candidate) => candidate.id === spec.checks);
      if (checks?.status !== 'failed') {
        // A fix that ran keeps its status; one that never had to run is passed over.
        if (node.attempt > 0) continue;
        const what = blueprint.nodes.find((candidate) => candidate.id === spec.checks)?.kind === 'ci' ? 'CI' : 'the checks';
        node.status = 'skipped';
        node.note = checks?.status === 'passed' ? `Not needed: ${what} passed.` : `Not needed: ${what} ${what === 'CI' ? 'was' : 'were'} skipped.`;
        continue;
      }
    }
    if (spec.kind === 'gate') {
      state.current = next;
      node.status = 'waiting';
      state.state = 'waiting';
      return { kind: 'wait', nodeId: node.id };
    }
    return startNode(state, next);
  }
  return end(state, 'passed', 'Every node of the blueprint passed.');
}

function handBack(state: EngineState, checks: NodeState, rounds: number, what: 'The checks' | 'CI'): EngineAction {
  const listed = checks.failures.slice(0, MAX_SUMMARY_FAILURES);
  const fails = what === 'CI' ? 'fails' : 'fail';
  const why =
    rounds > 0 ? `${what} still ${fails} after ${rounds} fix round${rounds === 1 ? '' : 's'} (the most this blueprint allows).` : `${what} ${fails} and this blueprint has no fix step for it.`;
  return end(state, 'handed-back', `${why} Over to you. Left to fix (${checks.failureTotal}):\n${describeFailures(listed, checks.failureTotal)}`);
}

/**
 * The checks could not run (a command not installed, a runner's module missing): no fix round can
 * change that, so the run hands back at once with what is missing and how to fix the setup.
 */
function handBackEnvironment(state: EngineState, checks: NodeState): EngineAction {
  const missing = checks.failures.filter((failure) => failure.kind === 'environment');
  const listed = missing.slice(0, MAX_SUMMARY_FAILURES);
  const why = 'The checks could not run: an environment problem, not the code, so no fix round was spent on it. Fix the sandbox’s setup, then retry the checks.';
  return end(state, 'handed-back', `${why}\nWhat is missing (${missing.length}):\n${describeFailures(listed, missing.length)}`);
}

function onNodeFinished(blueprint: Blueprint, state: EngineState, event: Extract<EngineEvent, { type: 'node-finished' }>): Decision {
  const index = state.current;
  if (index === null || state.nodes[index]!.id !== event.nodeId || state.nodes[index]!.status !== 'running') {
    return { kind: 'refused', reason: `node ${event.nodeId} is not the one running` };
  }
  const node = state.nodes[index]!;
  const spec = blueprint.nodes[index]!;
  node.failures = event.failures ?? [];
  node.failureTotal = event.failureTotal ?? node.failures.length;
  node.status = event.skipped ? 'skipped' : event.passed ? 'passed' : 'failed';
  if (event.message) node.note = event.message;
  if (event.passed || event.skipped) {
    if (spec.kind === 'fix' && event.passed) {
      // A fix round is judged by its checks, run again; a CI fix by a new commit, push and CI round.
      const checksIndex = blueprint.nodes.findIndex((candidate) => candidate.id === spec.checks);
      const restart = blueprint.nodes[checksIndex]!.kind === 'ci' ? reshipStartOf(blueprint, checksIndex) : checksIndex;
      return { kind: 'next', state, action: startNode(state, restart) };
    }
    return { kind: 'next', state, action: advance(blueprint, state, index + 1) };
  }
  if (spec.kind === 'checks' || spec.kind === 'ci') {
    if (spec.kind === 'checks' && node.failures.some((failure) => failure.kind === 'environment')) return { kind: 'next', state, action: handBackEnvironment(state, node) };
    const fix = fixNodeFor(blueprint, spec.id);
    const rounds = fix ? (state.fixRounds[fix.id] ?? 0) : 0;
    if (!fix || rounds >= fix.maxRounds) return { kind: 'next', state, action: handBack(state, node, rounds, spec.kind === 'ci' ? 'CI' : 'The checks') };
    state.fixRounds[fix.id] = rounds + 1;
    const fixIndex = blueprint.nodes.indexOf(fix);
    state.nodes[fixIndex]!.note = undefined;
    return { kind: 'next', state, action: startNode(state, fixIndex) };
  }
  const title = spec.title;
  return { kind: 'next', state, action: end(state, 'failed', `${title} failed${event.message ? `: ${event.message}` : '.'} Retry it, skip it, or take over.`) };
}

export function decideNext(blueprint: Blueprint, previous: EngineState, event: EngineEvent): Decision {
  const state = clone(previous);
  const find = (nodeId: string) => state.nodes.findIndex((node) => node.id === nodeId);
  switch (event.type) {
    case 'start':
      if (state.current !== null || state.nodes.some((node) => node.attempt > 0)) return { kind: 'refused', reason: 'the run has started already' };
      return { kind: 'next', state, action: advance(blueprint, state, 0) };
    case 'node-finished':
      if (ENDED.has(state.state)) return { kind: 'refused', reason: 'the run has ended' };
      return onNodeFinished(blueprint, state, event);
    case 'approve': {
      const index = find(event.nodeId);
      if (index < 0 || index !== state.current || state.nodes[index]!.status !== 'waiting') return { kind: 'refused', reason: 'That step is not waiting for approval.' };
      state.nodes[index]!.status = 'passed';
      state.nodes[index]!.note = `Approved by ${event.by}`;
      return { kind: 'next', state, action: advance(blueprint, state, index + 1) };
    }
    case 'skip': {
      const index = find(event.nodeId);
      if (index < 0) return { kind: 'refused', reason: 'The run has no such step.' };
      const node = state.nodes[index]!;
      if (node.status === 'running') return { kind: 'refused', reason: 'That step is running; stop the run to end it.' };
      if (node.status === 'passed' || node.status === 'skipped') return { kind: 'refused', reason: `That step is ${node.status} already.` };
      node.note = `Skipped by ${event.by}`;
      if (node.status === 'pending') {
        // A step ahead of the current one: it will be passed over when the run gets there.
        if (ENDED.has(state.state) && state.state !== 'failed' && state.state !== 'handed-back') return { kind: 'refused', reason: 'The run has ended.' };
        node.status = 'skipped';
        return { kind: 'next', state, action: { kind: 'none' } };
      }
      // Waiting at a gate, or failed (the run handed back): skipping it goes on from the next step.
      if (state.state === 'stopped') return { kind: 'refused', reason: 'The run was stopped; start a new one.' };
      node.status = 'skipped';
      return { kind: 'next', state, action: advance(blueprint, state, index + 1) };
    }
    case 'retry': {
      const index = find(event.nodeId);
      if (index < 0) return { kind: 'refused', reason: 'The run has no such step.' };
      const node = state.nodes[index]!;
      if (node.status !== 'failed' || (state.state !== 'failed' && state.state !== 'handed-back')) {
        return { kind: 'refused', reason: 'Only a failed step of a run that handed back can be retried.' };
      }
      node.note = `Retried by ${event.by}`;
      const spec = blueprint.nodes[index]!;
      // A person who retries the checks gives their fix loop its rounds again.
      if (spec.kind === 'checks' || spec.kind === 'ci') {
        const fix = fixNodeFor(blueprint, spec.id);
        if (fix) state.fixRounds[fix.id] = 0;
      }
      state.summary = undefined;
      return { kind: 'next', state, action: startNode(state, index) };
    }
    case 'stop': {
      if (ENDED.has(state.state)) return { kind: 'refused', reason: 'The run has ended.' };
      const current = state.current === null ? undefined : state.nodes[state.current];
      if (current && (current.status === 'running' || current.status === 'waiting')) {
        current.status = 'failed';
        current.note = `Stopped by ${event.by}`;
      }
      return { kind: 'next', state, action: end(state, 'stopped', `${event.by} stopped the run.`) };
    }
    default:
      return event satisfies never;
  }
}
