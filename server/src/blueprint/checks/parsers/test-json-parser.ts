import { z } from 'zod';
import { capMessage, firstWorkspaceFrame, reportSpan, workspaceRelative, type OutputParser } from './parser.js';
import { scanTestReport } from './test-report-scan.js';

/** The Jest JSON result shape, which vitest's `--reporter=json` writes too; assertions are checked one by one, failed ones only. */
const testFileFieldsSchema = z.object({ name: z.string(), status: z.string().optional(), message: z.string().optional() });
const testReportSchema = z.object({ testResults: z.array(testFileFieldsSchema.extend({ assertionResults: z.array(z.unknown()) })) });
const assertionSchema = z.object({
  fullName: z.string().optional(),
  title: z.string(),
  status: z.literal('failed'),
  failureMessages: z.array(z.string()).nullable().optional(),
  location: z.object({ line: z.number(), column: z.number() }).nullable().optional(),
});

/** A test file of the report with its failed assertions (not yet checked against the schema). */
type TestFile = z.infer<typeof testFileFieldsSchema> & { failed: unknown[] };

/** Both reports begin with their counts (`{"numFailedTestSuites"…`, `{"numTotalTestSuites"…`). */
const REPORT_START = /\{\s*"num[A-Z]/;

const isFailed = (value: unknown) => typeof value === 'object' && value !== null && (value as { status?: unknown }).status === 'failed';

/** The whole report through JSON.parse: what the scan falls back to for text it cannot follow. */
function parseWholeReport(output: string): TestFile[] | undefined {
  const span = reportSpan(output, '{', REPORT_START);
  if (!span) return undefined;
  try {
    const parsed = testReportSchema.safeParse(JSON.parse(span));
    return parsed.success ? parsed.data.testResults.map(({ assertionResults, ...file }) => ({ ...file, failed: assertionResults.filter(isFailed) })) : undefined;
  } catch {
    return undefined;
  }
}

/** The report's test files, scanned (test-report-scan.ts) where it can be; undefined when it is not a report. */
function readReport(output: string): TestFile[] | undefined {
  const preferred = output.search(REPORT_START);
  const start = preferred >= 0 ? preferred : output.indexOf('{');
  if (start < 0) return undefined;
  const scanned = scanTestReport(output, start);
  if (!scanned) return parseWholeReport(output);
  const files: TestFile[] = [];
  try {
    for (const file of scanned) {
      const fields = testFileFieldsSchema.safeParse(JSON.parse(file.fieldsJson));
      if (!fields.success) return undefined;
      files.push({ ...fields.data, failed: file.failedJson.map((json) => JSON.parse(json) as unknown) });
    }
  } catch {
    return parseWholeReport(output);
  }
  return files;
}

/** vitest (`--reporter=json`) and jest (`--json`) results: each failed test, located by its stack's first frame in the workspace. */
export function createTestJsonParser(tool: 'vitest' | 'jest'): OutputParser {
  return (output, { root }, collector) => {
    const files = readReport(output);
    if (!files) return;
    for (const file of files) {
      const testFile = workspaceRelative(file.name, root);
      let failedCount = 0;
      for (const raw of file.failed) {
        const parsed = assertionSchema.safeParse(raw);
        if (!parsed.success) continue;
        failedCount += 1;
        const result = parsed.data;
        collector.add(() => {
          const text = (result.failureMessages ?? []).join('\n');
          const frame = firstWorkspaceFrame(text, root);
          return {
            tool,
            file: frame?.file ?? testFile,
            line: frame?.line ?? result.location?.line,
            column: frame?.column ?? result.location?.column,
            test: result.fullName ?? result.title,
            message: capMessage(text.split('\n    at ')[0] ?? text),
          };
        });
      }
      // A file that failed to load has no assertions, only a message.
      if (failedCount === 0 && file.status === 'failed' && file.message) collector.add({ tool, file: testFile, message: capMessage(file.message) });
    }
  };
}
