import { isNode, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import type { BlueprintFileProblem } from '@tandem/shared/protocol/runs.js';
import { blueprintSchema, type Blueprint } from './blueprint-schema.js';

/**
 * One repo blueprint file (`.tandem/blueprints/*.yaml` or `.json`), parsed and checked with the same
 * schema as the built-ins. The text is hostile: aliases are bounded (no "billion laughs"), duplicate
 * keys are an error, and every problem names the file, the line and what is wrong, so a person can
 * fix it without reading a stack trace. JSON is read by the YAML parser too (JSON is YAML 1.2), so a
 * JSON file's problems get line numbers the same way.
 */

/** Aliases a file may expand; a real blueprint uses none or a few. */
export const MAX_BLUEPRINT_ALIASES = 50;
/** Problems listed per file (the first ones; fixing them shows the next). */
export const MAX_PROBLEMS_PER_FILE = 5;

export type BlueprintFileResult = { kind: 'valid'; blueprint: Blueprint } | { kind: 'invalid'; problems: BlueprintFileProblem[] };

/** `nodes[1].maxRounds` from zod's `['nodes', 1, 'maxRounds']`. */
export function formatIssuePath(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>((shown, part) => (typeof part === 'number' ? `${shown}[${part}]` : shown ? `${shown}.${String(part)}` : String(part)), '');
}

/**
 * The 1-based line (and column) of the YAML node at `path`, or of its nearest ancestor that exists
 * (a missing key is reported where its parent map starts). Null when not even the root has a range.
 */
export function lineOfPath(document: Document, lineCounter: LineCounter, path: ReadonlyArray<PropertyKey>): { line: number; column: number } | null {
  for (let length = path.length; length >= 0; length -= 1) {
    const keys = path.slice(0, length).map((part) => (typeof part === 'symbol' ? String(part) : part));
    const node = length === 0 ? document.contents : document.getIn(keys, true);
    if (isNode(node) && node.range) {
      const { line, col } = lineCounter.linePos(node.range[0]);
      return { line, column: col };
    }
  }
  return null;
}

function problemsOf(file: string, document: Document, lineCounter: LineCounter, issues: z.core.$ZodIssue[]): BlueprintFileProblem[] {
  return issues.slice(0, MAX_PROBLEMS_PER_FILE).map((issue) => {
    const at = lineOfPath(document, lineCounter, issue.path);
    const where = formatIssuePath(issue.path);
    return { file, line: at?.line ?? 1, column: at?.column, message: where ? `${where}: ${issue.message}` : issue.message };
  });
}

/** Parses and validates one file's text; `file` is its workspace path, used in every problem. */
export function parseBlueprintFile(file: string, text: string): BlueprintFileResult {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, strict: true });
  if (document.errors.length > 0) {
    return {
      kind: 'invalid',
      problems: document.errors.slice(0, MAX_PROBLEMS_PER_FILE).map((error) => {
        const at = error.linePos?.[0] ?? lineCounter.linePos(error.pos[0]);
        return { file, line: at.line, column: at.col, message: `not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${error.message}` };
      }),
    };
  }
  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: MAX_BLUEPRINT_ALIASES });
  } catch (error) {
    return { kind: 'invalid', problems: [{ file, line: 1, message: error instanceof Error ? error.message : String(error) }] };
  }
  const parsed = blueprintSchema.safeParse(value);
  if (!parsed.success) return { kind: 'invalid', problems: problemsOf(file, document, lineCounter, parsed.error.issues) };
  return { kind: 'valid', blueprint: parsed.data };
}
