import type { CheckFailure } from '@tandem/shared/doc/run-schema.js';
import { capMessage, workspaceRelative, type OutputParser } from './parser.js';

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (whole, name: string) => {
    if (name.startsWith('#x') || name.startsWith('#X')) return String.fromCodePoint(parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(Number(name.slice(1)));
    return ENTITIES[name] ?? whole;
  });
}

function attributes(tag: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const match of tag.matchAll(/([\w:-]+)="([^"]*)"/g)) values[match[1]!] = decodeEntities(match[2]!);
  return values;
}

/**
 * JUnit XML as pytest writes it (`--junitxml`): each `<testcase>` with a `<failure>` or `<error>`.
 * pytest's `line` attribute is 0-based and names the test's definition; the body's last
 * `path:line: Error` names the failing line, so that wins when present.
 */
export const parseJunit: OutputParser = (output, { root }, collector) => {
  const testcase = /<testcase\b([^>]*?)(?:\/>|>([\s\S]*?)<\/testcase>)/g;
  for (const match of output.matchAll(testcase)) {
    const body = match[2];
    if (!body) continue;
    const problem = /<(failure|error)\b([^>]*?)(?:\/>|>([\s\S]*?)<\/\1>)/.exec(body);
    if (!problem) continue;
    const testAttributes = attributes(match[1]!);
    const problemAttributes = attributes(problem[2]!);
    const text = decodeEntities(problem[3] ?? '');
    const failure: CheckFailure = {
      tool: 'pytest',
      test: [testAttributes.classname, testAttributes.name].filter(Boolean).join('::'),
      message: capMessage(problemAttributes.message ?? text.split('\n')[0] ?? 'failed'),
    };
    if (testAttributes.file) failure.file = workspaceRelative(testAttributes.file, root);
    if (testAttributes.line !== undefined) failure.line = Number(testAttributes.line) + 1;
    const located = [...text.matchAll(/^([^\s:][^:\n]*\.py):(\d+): \w+/gm)].at(-1);
    if (located) {
      failure.file = workspaceRelative(located[1]!, root);
      failure.line = Number(located[2]);
    }
    collector.add(failure);
  }
};
