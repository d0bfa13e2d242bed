import { MAX_NODE_FAILURES, type CheckFailure } from '@tandem/shared/doc/run-schema.js';
import type { ExecResult, Sandbox } from '../../sandbox/provider.js';
import { SANDBOX_WORKSPACE_DIR } from '../../sandbox/local/bwrap-command.js';
import { ChecksMemory } from './checks-memory.js';
import { discoverChecks, type CheckCommand } from './discover-checks.js';
import { outputTail, parseCheckOutput } from './parse-check-output.js';
import { scopeCheck, type CheckScope, type ScopedCheck } from './scoped-check.js';
import { changedSince, readWorkspaceStart } from './workspace-changes.js';

/** Output of one check read back from the sandbox at most (a test log of many megabytes is parsed, not kept). */
export const MAX_CHECK_OUTPUT_BYTES = 16 * 1024 * 1024;
/** A check's output in the node's excerpt: its last lines. */
const EXCERPT_LINES_PER_CHECK = 8;
/** Plain output for the parsers; npm writes no debug log (it would land in the workspace, npm's home there, and in the commit). */
const CHECK_ENV = { CI: '1', FORCE_COLOR: '0', NO_COLOR: '1', npm_config_logs_max: '0' };

/** How one check ran: on what (its scope) and how it ended. */
export interface CheckRun {
  name: string;
  scope: CheckScope;
  /** The narrowed or incremental command could not run the tool (a bad option for its version): it ran as written instead. */
  fellBack: boolean;
  passed: boolean;
  durationMs: number;
}

export interface ChecksResult {
  passed: boolean;
  failures: CheckFailure[];
  failureTotal: number;
  /** One line per check (passed or failed, how long, on what) and the tail of each failed one. */
  excerpt: string;
  runs: CheckRun[];
}

export interface RunChecksOptions {
  timeoutMs: number;
  signal: AbortSignal;
  /** The run's memory across its checks (fix rounds): without one, each call starts afresh. */
  memory?: ChecksMemory;
}

/** Reads a workspace file for discovery; a missing or unreadable file is simply not there. */
function repoFiles(sandbox: Sandbox, signal: AbortSignal) {
  return {
    read: async (path: string) => {
      try {
        return new TextDecoder().decode(await sandbox.readFile(path, { signal, maxBytes: 1024 * 1024 }));
      } catch {
        return null;
      }
    },
  };
}

/** Whether a narrowed or incremental run failed to run the tool at all (as opposed to finding problems). */
function toolRefused(check: CheckCommand, result: ExecResult): boolean {
  if (result.timedOut || result.exitCode === 0) return false;
  // ESLint exits 2 for a bad option or config; tsc names a bad option with a TS5xxx code.
  if (check.tool === 'eslint') return result.exitCode === 2;
  if (check.tool === 'tsc') return /error TS5\d{3}/.test(result.stdout) || /error TS5\d{3}/.test(result.stderr);
  return false;
}

function describeScope(scope: CheckScope, fellBack: boolean): string {
  if (fellBack) return ', as written: the narrowed run could not start';
  switch (scope.kind) {
    case 'as-written':
      return '';
    case 'full':
      return `, every file: ${scope.reason}`;
    case 'changed':
      return `, ${scope.files.length} changed file${scope.files.length === 1 ? '' : 's'}`;
    case 'unchanged':
      return `, not run: ${scope.reason}`;
    case 'incremental':
      return ', incremental';
    default:
      return scope satisfies never;
  }
}

/**
 * Runs the checks one after another in the sandbox (declared, else discovered) and reads their
 * failures. Lint and type-check scripts run on what changed where their tool allows (scoped-check.ts).
 */
export async function runChecks(sandbox: Sandbox, declared: CheckCommand[] | undefined, options: RunChecksOptions): Promise<ChecksResult> {
  const checks = declared ?? (await discoverChecks(repoFiles(sandbox, options.signal)));
  if (checks.length === 0) {
    return { passed: true, failures: [], failureTotal: 0, excerpt: 'This repo declares no checks (no lint, typecheck or test script, Makefile target or pytest).', runs: [] };
  }
  const memory = options.memory ?? new ChecksMemory();
  // git is asked only when some check could use the answer.
  const scopable = checks.some((check) => check.script && (check.tool === 'eslint' || check.tool === 'tsc'));
  if (scopable) memory.start ??= await readWorkspaceStart(sandbox, options.signal);
  const changed = scopable && memory.start ? await changedSince(sandbox, memory.start.base, options.signal) : undefined;
  const failures: CheckFailure[] = [];
  let failureTotal = 0;
  const lines: string[] = [];
  const runs: CheckRun[] = [];
  for (const check of checks) {
    const scoped: ScopedCheck = scopeCheck({ check, cacheDir: memory.start?.cacheDir, changed, failedBefore: memory.failedBefore(check.name) });
    if (scoped.scope.kind === 'unchanged') {
      lines.push(`✓ ${check.name} (${describeScope(scoped.scope, false).slice(2)})`);
      memory.remember(check.name, true, [], 0);
      runs.push({ name: check.name, scope: scoped.scope, fellBack: false, passed: true, durationMs: 0 });
      continue;
    }
    const exec = (command: string) => sandbox.exec(command, { timeoutMs: options.timeoutMs, maxOutputBytes: MAX_CHECK_OUTPUT_BYTES, signal: options.signal, env: CHECK_ENV });
    let result = await exec(scoped.command);
    let fellBack = false;
    if (scoped.scope.kind !== 'as-written' && toolRefused(check, result)) {
      fellBack = true;
      result = await exec(check.command);
    }
    const parsed = parseCheckOutput({ tool: check.tool, check: check.name, stdout: result.stdout, stderr: result.stderr, exitCode: result.timedOut ? null : result.exitCode }, { root: SANDBOX_WORKSPACE_DIR });
    const ok = result.exitCode === 0 && !result.timedOut;
    memory.remember(check.name, ok, parsed.failures, parsed.total);
    runs.push({ name: check.name, scope: scoped.scope, fellBack, passed: ok, durationMs: result.durationMs });
    const seconds = (result.durationMs / 1000).toFixed(1);
    const environment = !ok && parsed.failures.some((failure) => failure.kind === 'environment');
    const outcome = ok ? '' : environment ? ': could not run (environment)' : `: ${parsed.total} failure${parsed.total === 1 ? '' : 's'}`;
    lines.push(`${ok ? '✓' : '✗'} ${check.name} (${seconds} s${describeScope(scoped.scope, fellBack)})${outcome}`);
    if (!ok) {
      lines.push(outputTail(check.tool === 'unknown' ? `${result.stdout}\n${result.stderr}` : result.stderr || result.stdout, EXCERPT_LINES_PER_CHECK, 1_000));
      // A check that failed without a failure a parser could read still fails the node.
      failures.push(...parsed.failures);
      failureTotal += Math.max(1, parsed.total);
    }
  }
  // A check that could not run leads the list, so the cap never drops what decides the hand-back.
  const ordered = [...failures.filter((failure) => failure.kind === 'environment'), ...failures.filter((failure) => failure.kind !== 'environment')];
  return { passed: failureTotal === 0, failures: ordered.slice(0, MAX_NODE_FAILURES), failureTotal, excerpt: lines.join('\n'), runs };
}
