import { setTimeout as sleep } from 'node:timers/promises';
import type { CheckFailure } from '@tandem/shared/doc/run-schema.js';
import { MAX_NODE_FAILURES } from '@tandem/shared/doc/run-schema.js';
import { ciFailuresOf, judgeCi, statusFailureOf } from './ci-reading.js';
import type { GitHubApi } from './github-api.js';
import type { GitHubRepo } from './github-repo.js';

/** Reads of CI that may fail in a row (GitHub hiccups) before the node gives up. */
export const MAX_CONSECUTIVE_CI_READ_FAILURES = 3;
/** Failed jobs whose annotations and log are fetched; the rest are listed by name (each costs API calls). */
export const MAX_FAILED_JOBS_DETAILED = 5;

export type CiOutcome =
  | { kind: 'passed'; summary: string }
  | { kind: 'failed'; failures: CheckFailure[]; total: number; summary: string }
  | { kind: 'none'; reason: string }
  | { kind: 'error'; reason: string };

export interface CiWaitOptions {
  timeoutMs: number;
  pollIntervalMs: number;
  noChecksGraceMs: number;
  signal: AbortSignal;
  /** Told what CI is still doing, for the node's excerpt. */
  onProgress(text: string): void;
}

/** Polls the pushed commit's check runs and statuses until CI has an answer, the node's time is up, or the run stops. */
export async function waitForCi(api: GitHubApi, repo: GitHubRepo, sha: string, options: CiWaitOptions): Promise<CiOutcome> {
  const startedAt = Date.now();
  let readFailures = 0;
  for (;;) {
    const elapsedMs = Date.now() - startedAt;
    try {
      const judgement = judgeCi(await api.readCi(repo, sha), { elapsedMs, noChecksGraceMs: options.noChecksGraceMs });
      readFailures = 0;
      switch (judgement.kind) {
        case 'passed':
          return { kind: 'passed', summary: judgement.summary };
        case 'none':
          return { kind: 'none', reason: `No CI reported on ${sha.slice(0, 10)} within ${Math.round(options.noChecksGraceMs / 1000)} s, so there is nothing to wait for` };
        case 'failed': {
          const detailed = await Promise.all(
            judgement.failedRuns.slice(0, MAX_FAILED_JOBS_DETAILED).map(async (run) => {
              const details = await api.failureDetails(repo, run);
              return ciFailuresOf(run, details.annotations, details.logTail);
            }),
          );
          const rest = judgement.failedRuns.slice(MAX_FAILED_JOBS_DETAILED).map((run) => ciFailuresOf(run, [], undefined));
          const all = [...detailed.flat(), ...rest.flat(), ...judgement.failedStatuses.map(statusFailureOf)];
          const names = [...judgement.failedRuns.map((run) => run.name), ...judgement.failedStatuses.map((status) => status.context)];
          return { kind: 'failed', failures: all.slice(0, MAX_NODE_FAILURES), total: all.length, summary: `CI failed: ${names.join(', ')}` };
        }
        case 'pending':
          options.onProgress(judgement.waitingFor.length > 0 ? `Waiting for ${judgement.waitingFor.join(', ')}…` : 'Waiting for CI to report on the pushed commit…');
          break;
        default:
          judgement satisfies never;
      }
    } catch (error) {
      readFailures += 1;
      if (readFailures >= MAX_CONSECUTIVE_CI_READ_FAILURES) {
        return { kind: 'error', reason: `Could not read CI from GitHub ${readFailures} times in a row: ${error instanceof Error ? error.message : String(error)}` };
      }
    }
    if (Date.now() - startedAt + options.pollIntervalMs > options.timeoutMs) {
      return { kind: 'error', reason: `CI did not finish within ${Math.round(options.timeoutMs / 60_000)} min; look at the PR's checks, then retry this step` };
    }
    await sleep(options.pollIntervalMs, undefined, { signal: options.signal });
  }
}
