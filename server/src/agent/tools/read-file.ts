import { z } from 'zod';
import { capText, decodeText, defineTool, errorResult, workspacePath } from './tool.js';

export const DEFAULT_READ_LINE_COUNT = 2_000;

export const readFileTool = defineTool({
  name: 'read_file',
  description:
    'Read a text file of the workspace, with line numbers. Give start_line and end_line (1-based, inclusive) ' +
    `to read part of a long file; without them the first ${DEFAULT_READ_LINE_COUNT} lines are returned.`,
  input: z.object({
    path: z.string().min(1),
    start_line: z.number().int().positive().optional(),
    end_line: z.number().int().positive().optional(),
  }),
  async run(input, context) {
    const path = workspacePath(input.path);
    const text = decodeText(await context.files.read(path, context.signal));
    if (text === null) return errorResult(`${path} is a binary file; read_file only reads text.`);
    context.seen.set(path, text);
    const lines = text.split('\n');
    const start = input.start_line ?? 1;
    const end = Math.min(lines.length, input.end_line ?? start + DEFAULT_READ_LINE_COUNT - 1);
    if (start > lines.length) return errorResult(`${path} has ${lines.length} lines; start_line ${start} is past the end.`);
    if (end < start) return errorResult(`end_line (${end}) is before start_line (${start}).`);
    const width = String(end).length;
    const numbered = lines
      .slice(start - 1, end)
      .map((line, offset) => `${String(start + offset).padStart(width, ' ')}\t${line}`)
      .join('\n');
    const more = end < lines.length ? `\n[lines ${start}-${end} of ${lines.length}; ask for more with start_line]` : '';
    return { output: capText(numbered + more).text, isError: false, files: [path] };
  },
});
