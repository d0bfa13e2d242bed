import type { Sandbox } from '../sandbox/provider.js';
import { capText, decodeText } from './tools/tool.js';

/** Repo rule files read into the system prompt, first found wins; capped so a big file cannot crowd out the task. */
export const RULE_FILES = ['AGENTS.md', 'CLAUDE.md', '.tandem/rules.md'];
export const MAX_RULE_FILE_CHARS = 8_000;

const BASE_PROMPT = `You are the coding agent of a Tandem session. You work in an isolated sandbox holding the session's
repository (your working directory is the repository root). The network goes through a proxy that
allows only the hosts the session's policy names (often none); a refused host answers 403 saying so,
and a person in the session can allow it: say which host you need and why rather than retrying.

Several people share this session live: they watch your text and tool calls stream, edit the same
files, use the same terminal and may message you while you work. Each message from a person starts
with their name in brackets, e.g. "[Ada asks]". Take every person's message into account; when people
disagree, say so and follow the most recent instruction.

Work in small, verifiable steps: read before you edit, run the tests, keep the shared plan current
with update_plan (mark steps in_progress and done as you go). When you finish, say briefly what you
changed and how you checked it.`;

/** The system prompt: the base instructions plus the repo's own rule file, when it has one. */
export async function buildSystemPrompt(sandbox: Sandbox, signal: AbortSignal): Promise<string> {
  for (const file of RULE_FILES) {
    try {
      const text = decodeText(await sandbox.readFile(file, { signal }));
      if (text?.trim()) return `${BASE_PROMPT}\n\nThe repository's rules (${file}):\n\n${capText(text, MAX_RULE_FILE_CHARS).text}`;
    } catch {
      // Not there: try the next name.
    }
  }
  return BASE_PROMPT;
}
