import { randomBytes } from 'node:crypto';
import type { Sandbox } from '../server/src/sandbox/provider.js';
import { acceptanceCounts } from './eval-results.js';
import type { EvalTask } from './task-suite.js';

/** Where the hidden checks are put inside the session's sandbox: its /tmp, never the workspace (so never in the doc or the commit). */
export const ACCEPTANCE_DIR_IN_SANDBOX = '/tmp/tandem-eval-acceptance';
export const ACCEPTANCE_TIMEOUT_MS = 60_000;
/** Output kept in the results for a failed check. */
export const MAX_ACCEPTANCE_OUTPUT_CHARS = 4_000;

const quote = (value: string) => `'${value.replaceAll("'", "'\\''")}'`;

/**
 * The shell script that puts the checks in place and runs them, as one sandbox command: each exec may
 * get a /tmp of its own, so writing and running happen in the same one. Heredocs with a random end
 * marker carry the files byte for byte (no expansion).
 */
export function acceptanceScript(
  files: ReadonlyArray<{ name: string; text: string }>,
  dir = ACCEPTANCE_DIR_IN_SANDBOX,
  marker = `TANDEM_EVAL_${randomBytes(8).toString('hex')}`,
): string {
  const lines = ['set -e', `rm -rf ${quote(dir)}`, `mkdir -p ${quote(dir)}`];
  for (const file of files) {
    if (file.text.includes(marker)) throw new Error(`${file.name} contains the end marker ${marker}`);
    lines.push(`cat > ${quote(`${dir}/${file.name}`)} <<'${marker}'`, file.text.endsWith('\n') ? file.text.slice(0, -1) : file.text, marker);
  }
  const checks = files.filter((file) => file.name.endsWith('.test.js')).map((file) => quote(`${dir}/${file.name}`));
  lines.push(`exec node --test ${checks.join(' ')}`);
  return `${lines.join('\n')}\n`;
}

/**
 * Runs a task's acceptance checks in the session's own sandbox after its run ended, with the final
 * workspace as the working directory: the agent never saw them, and the code it wrote runs sandboxed.
 */
export async function runAcceptance(sandbox: Sandbox, task: EvalTask): Promise<{ passed: boolean; tests: { passed: number; failed: number }; output: string }> {
  const result = await sandbox.exec('bash -s', { stdin: acceptanceScript(task.acceptanceFiles), timeoutMs: ACCEPTANCE_TIMEOUT_MS });
  const output = `${result.stdout}\n${result.stderr}`.trim();
  return { passed: result.exitCode === 0 && !result.timedOut, tests: acceptanceCounts(result.stdout), output: output.slice(-MAX_ACCEPTANCE_OUTPUT_CHARS) };
}
