import { MAX_NODE_FAILURES, type CheckFailure } from '../../../../shared/src/doc/run-schema.js';
import type { Sandbox } from '../../sandbox/provider.js';
import { SANDBOX_WORKSPACE_DIR } from '../../sandbox/local/bwrap-command.js';
import { discoverChecks, type CheckCommand } from './discover-checks.js';
import { outputTail, parseCheckOutput } from './parse-check-output.js';

/** Output of one check read back from the sandbox at most (a test log of many megabytes is parsed, not kept). */
export const MAX_CHECK_OUTPUT_BYTES = 16 * 1024 * 1024;
/** A check's output in the node's excerpt: its last lines. */
const EXCERPT_LINES_PER_CHECK = 8;

export interface ChecksResult {
  passed: boolean;
  failures: CheckFailure[];
  failureTotal: number;
  /** One line per check (passed or failed, how long) and the tail of each failed one. */
  excerpt: string;
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

/** Runs the checks one after another in the sandbox (declared, else discovered) and reads their failures. */
export async function runChecks(sandbox: Sandbox, declared: CheckCommand[] | undefined, options: { timeoutMs: number; signal: AbortSignal }): Promise<ChecksResult> {
  const checks = declared ?? (await discoverChecks(repoFiles(sandbox, options.signal)));
  if (checks.length === 0) {
    return { passed: true, failures: [], failureTotal: 0, excerpt: 'This repo declares no checks (no lint, typecheck or test script, Makefile target or pytest).' };
  }
  const failures: CheckFailure[] = [];
  let failureTotal = 0;
  const lines: string[] = [];
  for (const check of checks) {
    const result = await sandbox.exec(check.command, { timeoutMs: options.timeoutMs, maxOutputBytes: MAX_CHECK_OUTPUT_BYTES, signal: options.signal, env: { CI: '1', FORCE_COLOR: '0', NO_COLOR: '1' } });
    const parsed = parseCheckOutput({ tool: check.tool, check: check.name, stdout: result.stdout, stderr: result.stderr, exitCode: result.timedOut ? null : result.exitCode }, { root: SANDBOX_WORKSPACE_DIR });
    const ok = result.exitCode === 0 && !result.timedOut;
    lines.push(`${ok ? '✓' : '✗'} ${check.name} (${(result.durationMs / 1000).toFixed(1)} s)${ok ? '' : `: ${parsed.total} failure${parsed.total === 1 ? '' : 's'}`}`);
    if (!ok) {
      lines.push(outputTail(check.tool === 'unknown' ? `${result.stdout}\n${result.stderr}` : result.stderr || result.stdout, EXCERPT_LINES_PER_CHECK, 1_000));
      // A check that failed without a failure a parser could read still fails the node.
      failures.push(...parsed.failures);
      failureTotal += Math.max(1, parsed.total);
    }
  }
  return { passed: failureTotal === 0, failures: failures.slice(0, MAX_NODE_FAILURES), failureTotal, excerpt: lines.join('\n') };
}
