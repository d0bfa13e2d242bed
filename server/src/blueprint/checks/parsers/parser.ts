import { MAX_FAILURE_MESSAGE_CHARS, type CheckFailure } from '@tandem/shared/doc/run-schema.js';

/** Where the check ran: absolute paths under it are shown relative to it, as the editor opens them. */
export interface ParseContext {
  root: string;
}

/** Keeps the first `limit` failures and counts the rest, so a log with 100,000 errors costs no more memory than one with 50. */
export class FailureCollector {
  readonly failures: CheckFailure[] = [];
  total = 0;
  constructor(readonly limit: number) {}
  /** Whether another failure would still be kept (a parser may skip building one that would not). */
  get full(): boolean {
    return this.failures.length >= this.limit;
  }
  add(failure: CheckFailure | (() => CheckFailure)): void {
    this.total += 1;
    if (!this.full) this.failures.push(typeof failure === 'function' ? failure() : failure);
  }
}

/** Turns one tool's output into structured failures, added to `collector`; none added means it found none it could read. */
export type OutputParser = (output: string, context: ParseContext, collector: FailureCollector) => void;

/**
 * The span of a JSON report within a tool's stdout, which may hold other text around it (a test's
 * console output before, a warning after): from the first `opening` (or the first `preferredStart`,
 * the report's own first key, when present) to the last `closing`. Undefined when there is none.
 */
export function reportSpan(output: string, opening: '{' | '[', preferredStart?: RegExp): string | undefined {
  const preferred = preferredStart ? output.search(preferredStart) : -1;
  const start = preferred >= 0 ? preferred : output.indexOf(opening);
  const end = output.lastIndexOf(opening === '{' ? '}' : ']');
  return start >= 0 && end > start ? output.slice(start, end + 1) : undefined;
}

/** A path as the workspace names it: `file://` and the workspace root stripped, `./` dropped. */
export function workspaceRelative(file: string, root: string): string {
  let path = file.startsWith('file://') ? decodeURIComponent(file.slice('file://'.length)) : file;
  const prefix = root.endsWith('/') ? root : `${root}/`;
  if (path.startsWith(prefix)) path = path.slice(prefix.length);
  return path.replace(/^\.\/+/, '');
}

/** A message cut to what a card and the agent need: its head (the assertion), not the whole stack. */
export function capMessage(message: string): string {
  const trimmed = message.trim();
  return trimmed.length <= MAX_FAILURE_MESSAGE_CHARS ? trimmed : `${trimmed.slice(0, MAX_FAILURE_MESSAGE_CHARS - 1)}…`;
}

/** The first `path:line:column` frame of a stack that points into the workspace (not node_modules, not node:). */
export function firstWorkspaceFrame(stack: string, root: string): { file: string; line: number; column: number } | undefined {
  const frame = /(?:file:\/\/)?(\/[^\s():]+):(\d+):(\d+)/g;
  for (const match of stack.matchAll(frame)) {
    const file = match[1]!;
    if (file.includes('/node_modules/')) continue;
    const prefix = root.endsWith('/') ? root : `${root}/`;
    if (!file.startsWith(prefix)) continue;
    return { file: workspaceRelative(file, root), line: Number(match[2]), column: Number(match[3]) };
  }
  return undefined;
}
