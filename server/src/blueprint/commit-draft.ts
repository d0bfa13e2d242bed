/**
 * A commit message drafted by the model (a commit node whose message is `{draft}`): asked once, in a
 * small request of its own, from the goal, the changed files and what the agent said it did. The
 * reply is model output, so it is cleaned before git sees it: no code fences, no trailers (only the
 * engine names co-authors and the session), capped lines.
 */
export const DRAFT_PLACEHOLDER = '{draft}';
export const MAX_DRAFT_OUTPUT_TOKENS = 400;
const MAX_BODY_LINES = 12;
const MAX_LINE_CHARS = 100;
const MAX_CHANGED_FILES_CHARS = 3_000;
const MAX_AGENT_SUMMARY_CHARS = 2_000;

export const COMMIT_DRAFT_SYSTEM =
  'You write git commit messages. Reply with the message only: a subject line in the imperative mood of at most 72 characters, a blank line, then a short body (at most 5 lines) saying what changed and why. No code fences, no trailers.';

export function commitDraftPrompt(input: { goal: string; changedFiles: string; agentSummary: string }): string {
  const cut = (text: string, max: number) => (text.length > max ? `${text.slice(0, max)}\n…` : text);
  return [
    `What the person asked for:\n${cut(input.goal, MAX_AGENT_SUMMARY_CHARS)}`,
    `Changed files (git status --short):\n${cut(input.changedFiles.trim() || '(none listed)', MAX_CHANGED_FILES_CHARS)}`,
    `What the agent said it did:\n${cut(input.agentSummary.trim() || '(nothing)', MAX_AGENT_SUMMARY_CHARS)}`,
  ].join('\n\n');
}

/** Lines git would read as trailers, which only the engine may write. */
const TRAILER = /^\s*(co-authored-by|signed-off-by|tandem-session|reviewed-by|acked-by)\s*:/i;

/** The draft as subject and body, or null when nothing usable came back (the template's subject is used then). */
export function cleanCommitDraft(reply: string): { subject: string; body: string } | null {
  const lines = reply
    .replace(/^```[^\n]*\n?|```\s*$/gm, '')
    .split('\n')
    .map((line) => line.replace(/\s+$/, ''))
    .filter((line) => !TRAILER.test(line));
  while (lines.length > 0 && lines[0]!.trim() === '') lines.shift();
  const subject = lines.shift()?.trim().replace(/^["'`]|["'`]$/g, '') ?? '';
  if (subject === '') return null;
  const body = lines
    .join('\n')
    .trim()
    .split('\n')
    .slice(0, MAX_BODY_LINES)
    .map((line) => (line.length > MAX_LINE_CHARS ? `${line.slice(0, MAX_LINE_CHARS - 1)}…` : line))
    .join('\n')
    .trim();
  return { subject, body };
}

/** Asks for the draft; any failure (model down, nothing usable) leaves the caller's fallback subject in place. */
export async function draftCommitMessage(input: {
  goal: string;
  /** `git status --short` of the workspace, run by the caller in the sandbox. */
  changedFiles: string;
  /** The agent's last words in this run. */
  agentSummary: string;
  ask(request: { system: string; prompt: string; maxOutputTokens: number }): Promise<string>;
}): Promise<{ subject: string; body: string } | null> {
  try {
    const reply = await input.ask({ system: COMMIT_DRAFT_SYSTEM, prompt: commitDraftPrompt(input), maxOutputTokens: MAX_DRAFT_OUTPUT_TOKENS });
    return cleanCommitDraft(reply);
  } catch {
    return null;
  }
}
