/**
 * Finds the failed tests of a Jest-shaped JSON report (vitest's and jest's) without building it:
 * a 10 MB report of passing tests costs one pass over its text (strings crossed with indexOf) and
 * a JSON.parse of each failed test and of each test file's own fields, not 10 MB of objects
 * (JSON.parse of the whole allocates them all: about twice the time, and far more when the machine
 * is busy and its garbage collector competes).
 *
 * The pass tracks strings (with escapes), nesting and, per container, what it is in the report:
 * the top object, its `testResults` array, a test file, the file's `assertionResults` array, an
 * assertion. An assertion failed when its own `"status": "failed"` key sits at its level (found
 * beforehand with one native search: an unescaped quote is always a delimiter in JSON, so that text
 * outside a string is a real key and value). Text the scan cannot follow returns undefined, and the
 * caller reads the report with JSON.parse instead.
 */

/** A test file of the report: its own fields as JSON (its assertions left out) and its failed assertions' JSON. */
export interface ScannedTestFile {
  fieldsJson: string;
  failedJson: string[];
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COLON = 0x3a;

/** What a container is in the report. */
const Role = { Other: 0, Top: 1, Results: 2, File: 3, Assertions: 4, Assertion: 5 } as const;

/** Deeper than this and the report is not one a test tool writes: it is read the slow way. */
const MAX_DEPTH = 512;
const FAILED_STATUS = /"status"\s*:\s*"failed"/g;

export function scanTestReport(text: string, start: number): ScannedTestFile[] | undefined {
  const anchors: number[] = [];
  FAILED_STATUS.lastIndex = start;
  for (let match = FAILED_STATUS.exec(text); match; match = FAILED_STATUS.exec(text)) anchors.push(match.index);
  let anchorIndex = 0;

  const roles = new Uint8Array(MAX_DEPTH + 1);
  const starts = new Int32Array(MAX_DEPTH + 1);
  const closers = new Uint8Array(MAX_DEPTH + 1);
  const failedHere = new Uint8Array(MAX_DEPTH + 1);
  let depth = 0;
  let keyStart = -1;
  let keyEnd = -1;
  let lastStringStart = -1;
  let lastStringEnd = -1;
  const files: ScannedTestFile[] = [];
  let fileFailed: string[] = [];
  let assertionsStart = -1;
  let assertionsEnd = -1;
  let sawResults = false;
  const keyIs = (name: string) => keyEnd - keyStart === name.length + 2 && text.startsWith(name, keyStart + 1);

  for (let index = start; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (code === QUOTE) {
      while (anchorIndex < anchors.length && anchors[anchorIndex]! < index) anchorIndex += 1;
      if (anchors[anchorIndex] === index && roles[depth] === Role.Assertion) failedHere[depth] = 1;
      lastStringStart = index;
      // The closing quote: the next one not escaped (an odd run of backslashes before it escapes it).
      for (let from = index + 1; ; ) {
        const quote = text.indexOf('"', from);
        if (quote < 0) return undefined;
        let backslashes = 0;
        while (text.charCodeAt(quote - 1 - backslashes) === BACKSLASH) backslashes += 1;
        from = quote + 1;
        if (backslashes % 2 === 0) {
          index = quote;
          break;
        }
      }
      lastStringEnd = index + 1;
    } else if (code === COLON) {
      keyStart = lastStringStart;
      keyEnd = lastStringEnd;
    } else if (code === OPEN_BRACE || code === OPEN_BRACKET) {
      if (depth === MAX_DEPTH) return undefined;
      const parent = roles[depth]!;
      const isObject = code === OPEN_BRACE;
      depth += 1;
      let role: number = Role.Other;
      if (depth === 1) role = isObject ? Role.Top : Role.Other;
      else if (parent === Role.Top && !isObject && keyIs('testResults')) role = Role.Results;
      else if (parent === Role.Results && isObject) role = Role.File;
      else if (parent === Role.File && !isObject && keyIs('assertionResults')) role = Role.Assertions;
      else if (parent === Role.Assertions && isObject) role = Role.Assertion;
      roles[depth] = role;
      starts[depth] = index;
      closers[depth] = isObject ? CLOSE_BRACE : CLOSE_BRACKET;
      failedHere[depth] = 0;
      if (role === Role.File) {
        fileFailed = [];
        assertionsStart = -1;
        assertionsEnd = -1;
      }
      if (role === Role.Results) sawResults = true;
    } else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) {
      if (depth === 0 || closers[depth] !== code) return undefined;
      const role = roles[depth]!;
      if (role === Role.Assertion && failedHere[depth]) fileFailed.push(text.slice(starts[depth]!, index + 1));
      else if (role === Role.Assertions) {
        assertionsStart = starts[depth]!;
        assertionsEnd = index + 1;
      } else if (role === Role.File) {
        // A file without an assertions array is not the report's shape (as the schema says).
        if (assertionsStart < 0) return undefined;
        files.push({ fieldsJson: `${text.slice(starts[depth]!, assertionsStart)}[]${text.slice(assertionsEnd, index + 1)}`, failedJson: fileFailed });
      }
      depth -= 1;
      if (depth === 0) return sawResults ? files : undefined;
    }
  }
  return undefined;
}
