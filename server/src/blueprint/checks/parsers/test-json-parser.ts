import { z } from 'zod';
import { capMessage, firstWorkspaceFrame, reportSpan, workspaceRelative, type OutputParser } from './parser.js';

/** The Jest JSON result shape, which vitest's `--reporter=json` writes too; assertions are checked one by one, failed ones only. */
const testReportSchema = z.object({
  testResults: z.array(
    z.object({
      name: z.string(),
      status: z.string().optional(),
      message: z.string().optional(),
      assertionResults: z.array(z.unknown()),
    }),
  ),
});
const assertionSchema = z.object({
  fullName: z.string().optional(),
  title: z.string(),
  status: z.literal('failed'),
  failureMessages: z.array(z.string()).nullable().optional(),
  location: z.object({ line: z.number(), column: z.number() }).nullable().optional(),
});

const isFailed = (value: unknown) => typeof value === 'object' && value !== null && (value as { status?: unknown }).status === 'failed';

/** vitest (`--reporter=json`) and jest (`--json`) results: each failed test, located by its stack's first frame in the workspace. */
export function createTestJsonParser(tool: 'vitest' | 'jest'): OutputParser {
  return (output, { root }, collector) => {
    // Both reports begin with their counts (`{"numFailedTestSuites"…`, `{"numTotalTestSuites"…`).
    const span = reportSpan(output, '{', /\{\s*"num[A-Z]/);
    if (!span) return;
    let report: z.infer<typeof testReportSchema>;
    try {
      const parsed = testReportSchema.safeParse(JSON.parse(span));
      if (!parsed.success) return;
      report = parsed.data;
    } catch {
      return;
    }
    for (const file of report.testResults) {
      const testFile = workspaceRelative(file.name, root);
      let failedCount = 0;
      for (const raw of file.assertionResults) {
        if (!isFailed(raw)) continue;
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
