import type { AgentState, SessionStatus } from '@tandem/shared/doc/schema.js';

/**
 * The agent loop's decisions, pure: given what the run has spent and what the turn brought, what
 * happens next. The run (agent-run.ts) executes them; the blueprint engine reads the same outcomes.
 */

export interface RunBudget {
  maxTurns: number;
  /** Output tokens the whole run may spend. */
  maxOutputTokens: number;
  /** max_tokens of one request (less when the run budget has less left). */
  maxTokensPerRequest: number;
  /** Estimated tokens the conversation (earlier runs included) may take in one request; older turns are compacted past it. */
  maxContextTokens: number;
}

/** The session's status while and after a run, as the session list and the top bar show it. */
export function sessionStatusFor(state: AgentState['state']): SessionStatus {
  switch (state) {
    case 'running':
    case 'retrying':
    case 'stopping':
      return 'running';
    case 'idle':
      return 'idle';
    case 'done':
    case 'failed':
    case 'stopped':
      return state;
    default:
      return state satisfies never;
  }
}

/** Before a turn: whether the run may take another, or the message it stops with. */
export function decideBudget(spent: { turns: number; outputTokens: number }, budget: Pick<RunBudget, 'maxTurns' | 'maxOutputTokens'>): { kind: 'continue' } | { kind: 'stop'; message: string } {
  if (spent.turns >= budget.maxTurns) return { kind: 'stop', message: `The run stopped: it used all ${budget.maxTurns} turns of its budget. Send a message to continue.` };
  if (spent.outputTokens >= budget.maxOutputTokens) return { kind: 'stop', message: `The run stopped: it used its ${budget.maxOutputTokens} output tokens. Send a message to continue.` };
  return { kind: 'continue' };
}

/** The max_tokens of the next request: the per-request cap, never more than the run has left (and at least 1). */
export function requestMaxTokens(budget: Pick<RunBudget, 'maxTokensPerRequest' | 'maxOutputTokens'>, outputTokensSpent: number): number {
  return Math.max(1, Math.min(budget.maxTokensPerRequest, budget.maxOutputTokens - outputTokensSpent));
}

/** After a model turn: cut by an interrupt, asked for tools, or ended (then the queue decides). */
export type AfterTurn = { kind: 'close-interrupted' } | { kind: 'run-tools' } | { kind: 'turn-ended' };

export function decideAfterTurn(turn: { aborted: boolean; toolUseCount: number }): AfterTurn {
  if (turn.aborted) return { kind: 'close-interrupted' };
  if (turn.toolUseCount > 0) return { kind: 'run-tools' };
  return { kind: 'turn-ended' };
}

/** At the end of a turn with nothing queued: the run is done; the reason says when the reply was cut. */
export function finishMessage(stopReason: string | null): string {
  return `The agent finished${stopReason === 'max_tokens' ? ' (the reply hit its length limit)' : ''}.`;
}
