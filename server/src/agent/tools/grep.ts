import { z } from 'zod';
import { capText, defineTool, errorResult, workspacePath } from './tool.js';
import { shellQuote } from '../../sandbox/shell-quote.js';

export const GREP_TIMEOUT_MS = 30_000;
/** Most matching lines one search returns. */
export const MAX_GREP_MATCHES = 500;

export const grepTool = defineTool({
  name: 'grep',
  description:
    'Search file contents with an extended regular expression (grep -E) under `path` (default: the root). ' +
    "Give `glob` (e.g. '*.ts') to search only matching file names. Returns path:line:text for each match; " +
    '.git and node_modules are skipped.',
  input: z.object({
    pattern: z.string().min(1).max(1_000),
    path: z.string().optional(),
    glob: z.string().min(1).max(200).optional(),
    ignore_case: z.boolean().optional(),
  }),
  async run(input, { sandbox, signal }) {
    const flags = ['-rnIE', '--exclude-dir=.git', '--exclude-dir=node_modules'];
    if (input.ignore_case) flags.push('-i');
    if (input.glob) flags.push(`--include=${shellQuote(input.glob)}`);
    const command = `grep ${flags.join(' ')} -e ${shellQuote(input.pattern)} -- ${shellQuote(workspacePath(input.path ?? '.'))} | head -n ${MAX_GREP_MATCHES + 1}`;
    const result = await sandbox.exec(`set -o pipefail; ${command}`, { timeoutMs: GREP_TIMEOUT_MS, signal });
    // grep exits 1 for no match and 2 for a real error (with pipefail, head's SIGPIPE shows as 141).
    if (result.exitCode === 1 && !result.stdout) return { output: `No matches for /${input.pattern}/.`, isError: false };
    if (result.exitCode === 2) return errorResult(`grep failed: ${result.stderr.trim() || 'bad pattern or path'}`);
    const lines = result.stdout.split('\n').filter(Boolean).map((line) => line.replace(/^\.\//, ''));
    const more = lines.length > MAX_GREP_MATCHES ? `\n[more than ${MAX_GREP_MATCHES} matches; narrow the pattern]` : '';
    return { output: capText(lines.slice(0, MAX_GREP_MATCHES).join('\n') + more).text, isError: false };
  },
});
