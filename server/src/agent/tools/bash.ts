import { z } from 'zod';
import { capText, defineTool, MAX_STORED_OUTPUT_BYTES, MAX_TOOL_RESULT_CHARS } from './tool.js';

export const DEFAULT_BASH_TIMEOUT_MS = 120_000;
export const MAX_BASH_TIMEOUT_MS = 10 * 60_000;

export const bashTool = defineTool({
  name: 'bash',
  description:
    'Run a shell command with bash in the workspace (the repository root is the working directory). ' +
    'Use it to run tests, linters, git and other programs. The network reaches only the hosts the session allows (a refused one answers 403 naming it). ' +
    `Output is cut to ${MAX_TOOL_RESULT_CHARS} characters; the command is stopped after timeout_ms ` +
    `(default ${DEFAULT_BASH_TIMEOUT_MS} ms). Everyone in the session sees the command and its output.`,
  input: z.object({
    command: z.string().min(1, 'command must not be empty').max(20_000),
    timeout_ms: z.number().int().positive().max(MAX_BASH_TIMEOUT_MS).optional(),
  }),
  async run(input, { sandbox, signal, onOutput }) {
    const result = await sandbox.exec(input.command, {
      timeoutMs: input.timeout_ms ?? DEFAULT_BASH_TIMEOUT_MS,
      maxOutputBytes: MAX_STORED_OUTPUT_BYTES,
      signal,
      onOutput: onOutput && ((text) => onOutput(text)),
    });
    const parts = [result.stdout, result.stderr ? `[stderr]\n${result.stderr}` : ''].filter(Boolean).join('\n');
    const status = result.timedOut
      ? `[stopped after ${input.timeout_ms ?? DEFAULT_BASH_TIMEOUT_MS} ms: timed out]`
      : `[exit code ${result.exitCode ?? 'none'}]`;
    const whole = `${parts}${parts.endsWith('\n') || !parts ? '' : '\n'}${status}${result.truncated ? `\n[output cut at ${MAX_STORED_OUTPUT_BYTES} bytes]` : ''}`;
    const { text, truncated } = capText(whole);
    return { output: text, isError: result.timedOut || result.exitCode !== 0, fullOutput: truncated ? whole : undefined };
  },
});
