import type { CheckFailure } from '@tandem/shared/doc/run-schema.js';
import { capMessage, workspaceRelative, type OutputParser } from './parser.js';

/** `src/a.ts(1,7): error TS2322: Type 'string' is not assignable…` (tsc --pretty false). */
const DIAGNOSTIC = /^(.+?)\((\d+),(\d+)\): (?:error|warning) (TS\d+): (.*)$/;

/** tsc diagnostics; a message's continuation lines (indented) join the message. */
export const parseTsc: OutputParser = (output, { root }, collector) => {
  let current: CheckFailure | undefined;
  for (const line of output.split('\n')) {
    // Past the kept failures only a count is needed: a substring test, not a regex and an object.
    if (collector.full) {
      if (line.includes('): error TS')) collector.add(() => ({ tool: 'tsc', message: '' }));
      continue;
    }
    const match = DIAGNOSTIC.exec(line.trimEnd());
    if (match) {
      current = { tool: 'tsc', file: workspaceRelative(match[1]!, root), line: Number(match[2]), column: Number(match[3]), rule: match[4], message: capMessage(match[5]!) };
      collector.add(current);
    } else if (current && /^\s+\S/.test(line)) {
      current.message = capMessage(`${current.message}\n${line.trim()}`);
    } else {
      current = undefined;
    }
  }
};
