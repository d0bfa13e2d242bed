import { z } from 'zod';
import { capMessage, reportSpan, workspaceRelative, type OutputParser } from './parser.js';

/** The part of ESLint's `-f json` report a failure needs. */
const eslintReportSchema = z.array(
  z.object({
    filePath: z.string(),
    messages: z.array(
      z.object({
        ruleId: z.string().nullable().optional(),
        severity: z.number(),
        message: z.string(),
        line: z.number().int().optional(),
        column: z.number().int().optional(),
      }),
    ),
  }),
);

/** ESLint errors (severity 2); warnings do not fail a check, so they are not failures. */
export const parseEslint: OutputParser = (output, { root }, collector) => {
  // The report is an array of file results: `[{"filePath"…` (or `[]`).
  const span = reportSpan(output, '[', /\[\s*(\{\s*"filePath"|\])/);
  if (!span) return;
  let report: z.infer<typeof eslintReportSchema>;
  try {
    const parsed = eslintReportSchema.safeParse(JSON.parse(span));
    if (!parsed.success) return;
    report = parsed.data;
  } catch {
    return;
  }
  for (const file of report) {
    for (const message of file.messages) {
      if (message.severity < 2) continue;
      collector.add({
        tool: 'eslint',
        file: workspaceRelative(file.filePath, root),
        line: message.line,
        column: message.column,
        rule: message.ruleId ?? undefined,
        message: capMessage(message.message),
      });
    }
  }
};
