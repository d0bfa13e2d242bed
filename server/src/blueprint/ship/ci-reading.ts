import { MAX_FAILURE_MESSAGE_CHARS, type CheckFailure } from '@tandem/shared/doc/run-schema.js';

/**
 * What CI says about a pushed commit, read from GitHub's check runs and commit statuses, judged
 * purely: still going, passed, failed (with the failed jobs as structured failures), or no CI at all.
 */
export interface CiCheckRun {
  id: number;
  name: string;
  /** queued, in_progress, completed, waiting, requested, pending */
  status: string;
  /** success, failure, neutral, cancelled, skipped, timed_out, action_required, stale, startup_failure; null until completed */
  conclusion: string | null;
  url?: string;
  summary?: string;
}

export interface CiStatus {
  context: string;
  /** pending, success, failure, error */
  state: string;
  description?: string;
  url?: string;
}

export interface CiSnapshot {
  checkRuns: CiCheckRun[];
  statuses: CiStatus[];
}

export type CiJudgement =
  | { kind: 'pending'; waitingFor: string[] }
  | { kind: 'passed'; summary: string }
  | { kind: 'failed'; failedRuns: CiCheckRun[]; failedStatuses: CiStatus[] }
  | { kind: 'none' };

const PASSING_CONCLUSIONS = new Set(['success', 'neutral', 'skipped']);

export function judgeCi(snapshot: CiSnapshot, waited: { elapsedMs: number; noChecksGraceMs: number }): CiJudgement {
  const { checkRuns, statuses } = snapshot;
  if (checkRuns.length === 0 && statuses.length === 0) return waited.elapsedMs >= waited.noChecksGraceMs ? { kind: 'none' } : { kind: 'pending', waitingFor: [] };
  const running = [...checkRuns.filter((run) => run.status !== 'completed').map((run) => run.name), ...statuses.filter((status) => status.state === 'pending').map((status) => status.context)];
  if (running.length > 0) return { kind: 'pending', waitingFor: running };
  const failedRuns = checkRuns.filter((run) => !PASSING_CONCLUSIONS.has(run.conclusion ?? ''));
  const failedStatuses = statuses.filter((status) => status.state !== 'success');
  if (failedRuns.length > 0 || failedStatuses.length > 0) return { kind: 'failed', failedRuns, failedStatuses };
  const names = [...checkRuns.map((run) => run.name), ...statuses.map((status) => status.context)];
  return { kind: 'passed', summary: `CI passed: ${names.join(', ')}` };
}

/** An annotation GitHub keeps on a check run (problem matchers turn tsc and ESLint errors into these). */
export interface CiAnnotation {
  path: string;
  startLine?: number;
  startColumn?: number;
  level: string;
  message: string;
  title?: string;
}

const cap = (text: string) => (text.length > MAX_FAILURE_MESSAGE_CHARS ? `${text.slice(0, MAX_FAILURE_MESSAGE_CHARS - 1)}…` : text);

/** A failed job's structured failures: its failure annotations at file:line, else one failure with its summary or log tail. */
export function ciFailuresOf(run: CiCheckRun, annotations: CiAnnotation[], logTail: string | undefined): CheckFailure[] {
  const located = annotations
    .filter((annotation) => annotation.level === 'failure')
    .map((annotation): CheckFailure => ({
      tool: 'unknown',
      check: run.name,
      file: annotation.path || undefined,
      line: annotation.startLine,
      column: annotation.startColumn,
      message: cap(annotation.title ? `${annotation.title}: ${annotation.message}` : annotation.message),
    }));
  if (located.length > 0) return located;
  const detail = logTail?.trim() || run.summary?.trim() || `concluded ${run.conclusion ?? 'without a result'}`;
  return [{ tool: 'unknown', check: run.name, message: cap(`${run.name} ${run.conclusion ?? 'failed'}:\n${detail}`) }];
}

export function statusFailureOf(status: CiStatus): CheckFailure {
  return { tool: 'unknown', check: status.context, message: cap(`${status.context}: ${status.state}${status.description ? ` — ${status.description}` : ''}`) };
}
