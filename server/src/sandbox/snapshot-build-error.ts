/** How many lines of a failed build's output are kept to show (the log file keeps all of it). */
export const BUILD_LOG_TAIL_LINES = 15;

const LAST_LINES_MARK = '. Last lines:\n';

/** A snapshot build that failed in a way a person can act on: what failed, and the last lines of its log. */
export class SnapshotBuildError extends Error {
  constructor(
    readonly summary: string,
    readonly logTail: string,
  ) {
    super(`${summary}${LAST_LINES_MARK}${logTail}`);
    this.name = 'SnapshotBuildError';
  }
}

/** The last `BUILD_LOG_TAIL_LINES` lines of a build's output with text on them (stdout and stderr are joined with blank lines between). */
export function buildLogTail(output: string): string {
  return output.split('\n').filter((line) => line.trim() !== '').slice(-BUILD_LOG_TAIL_LINES).join('\n') || '(no output)';
}

export interface BuildFailure {
  /** One line: what failed. */
  summary: string;
  /** The last lines of the build's output ('' when there was none to show). */
  logTail: string;
}

/** Any build error as one summary line and a log tail (a failed git clone's output follows its first line). */
export function describeBuildFailure(error: unknown): BuildFailure {
  if (error instanceof SnapshotBuildError) return { summary: error.summary, logTail: error.logTail };
  const message = error instanceof Error ? error.message : String(error);
  // The same shape as a plain Error's message (a setup step that throws one): "<what>. Last lines:\n<tail>".
  const marked = message.indexOf(LAST_LINES_MARK);
  if (marked > 0) return { summary: message.slice(0, marked), logTail: message.slice(marked + LAST_LINES_MARK.length) };
  const [first = '', ...rest] = message.trim().split('\n');
  return { summary: first.trim() || 'the snapshot build failed', logTail: rest.length > 0 ? buildLogTail(rest.join('\n')) : '' };
}

/** Whether an error is a build's own failure (said in its message with its log's tail), not a bug worth a stack trace. */
export const isBuildFailure = (error: unknown): error is Error => error instanceof SnapshotBuildError || (error instanceof Error && error.message.indexOf(LAST_LINES_MARK) > 0);
