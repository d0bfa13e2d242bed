import type { CheckFailure } from '@tandem/shared/doc/run-schema.js';
import { capMessage, firstWorkspaceFrame, workspaceRelative, type OutputParser } from './parser.js';

const RESULT = /^(\s*)not ok \d+ - (.*?)(?:\s+#\s*(?:SKIP|TODO)\b.*)?$/;
const LOCATION = /^\s*location: '(.+):(\d+):(\d+)'$/;
/** Lines of one result's YAML block read at most (a huge error message is cut anyway). */
const MAX_YAML_BLOCK_LINES = 200;

/** The line of `text` that holds `position`, and where the next one starts. */
function lineAt(text: string, start: number): { line: string; next: number } {
  const end = text.indexOf('\n', start);
  return end < 0 ? { line: text.slice(start), next: text.length } : { line: text.slice(start, end), next: end + 1 };
}

/**
 * node:test's TAP: a `not ok` line followed by an indented YAML block (`---` … `...`) with location,
 * error and stack. Subtests nest by indentation; a parent fails when a child does, so only the
 * innermost failures are reported (`failureType: 'subtestsFailed'`). A big log is mostly passing
 * tests: the parser jumps from one `not ok ` to the next instead of reading every line.
 */
export const parseTap: OutputParser = (output, { root }, collector) => {
  for (let found = output.indexOf('not ok '); found >= 0; found = output.indexOf('not ok ', found + 1)) {
    const lineStart = output.lastIndexOf('\n', found) + 1;
    if (output.slice(lineStart, found).trim() !== '') continue; // "not ok " inside some other text
    const head = lineAt(output, lineStart);
    const match = RESULT.exec(head.line);
    if (!match) continue;
    const indent = match[1]!.length;
    const failure: CheckFailure = { tool: 'node-test', test: match[2]!, message: '' };
    const errorLines: string[] = [];
    const stackLines: string[] = [];
    let subtestsFailed = false;
    /** The block scalar being read (`error: |-`, `stack: |-`), whose lines are indented deeper than the keys. */
    let collecting: string[] | undefined;
    let cursor = head.next;
    let { line: next, next: after } = lineAt(output, cursor);
    if (next.trim() === '---') {
      cursor = after;
      for (let read = 0; read < MAX_YAML_BLOCK_LINES && cursor < output.length; read += 1) {
        ({ line: next, next: after } = lineAt(output, cursor));
        cursor = after;
        if (next.trim() === '...') break;
        const key = /^\s*(\w+):\s?(.*)$/.exec(next);
        const depth = next.length - next.trimStart().length;
        if (key && depth <= indent + 2) {
          collecting = undefined;
          const [, name, value] = key;
          const location = LOCATION.exec(next);
          if (location) {
            failure.file = workspaceRelative(location[1]!, root);
            failure.line = Number(location[2]);
            failure.column = Number(location[3]);
          } else if (name === 'failureType' && value!.includes('subtestsFailed')) subtestsFailed = true;
          else if (name === 'error') {
            if (value === '|-' || value === '|') collecting = errorLines;
            else errorLines.push(value!.replace(/^'(.*)'$/, '$1'));
          } else if (name === 'stack') collecting = stackLines;
        } else collecting?.push(next.trim());
      }
    }
    if (subtestsFailed) continue;
    failure.message = capMessage(errorLines.filter(Boolean).join('\n') || 'failed');
    // The assertion's own line is in the stack; the location is where the test was declared.
    const frame = firstWorkspaceFrame(stackLines.join('\n'), root);
    if (frame) Object.assign(failure, frame);
    collector.add(failure);
  }
};
