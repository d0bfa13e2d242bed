import { z } from 'zod';
import { changedUnderNote, decodeText, defineTool, errorResult, workspacePath } from './tool.js';

function countOccurrences(text: string, search: string): number {
  let count = 0;
  for (let index = text.indexOf(search); index !== -1; index = text.indexOf(search, index + search.length)) count += 1;
  return count;
}

export const editFileTool = defineTool({
  name: 'edit_file',
  description:
    'Replace an exact string in a file. old_string must match the file exactly (whitespace included) and be ' +
    'unique in it, unless replace_all is true. Read the file first. To create a file use write_file.',
  input: z.object({
    path: z.string().min(1),
    old_string: z.string().min(1, 'old_string must not be empty; use write_file to create a file'),
    new_string: z.string(),
    replace_all: z.boolean().optional(),
  }),
  async run(input, context) {
    const path = workspacePath(input.path);
    if (input.old_string === input.new_string) return errorResult('old_string and new_string are the same; nothing to change.');
    const text = decodeText(await context.files.read(path, context.signal));
    if (text === null) return errorResult(`${path} is a binary file; edit_file only edits text.`);
    const note = changedUnderNote(context, path, text);
    const count = countOccurrences(text, input.old_string);
    if (count === 0) {
      const hint = note ? `${note} Read it again before editing.` : 'Read the file again and copy the exact text, whitespace included.';
      return errorResult(`old_string was not found in ${path}. ${hint}`);
    }
    if (count > 1 && !input.replace_all) {
      return errorResult(`old_string occurs ${count} times in ${path}. Add surrounding lines to make it unique, or set replace_all.`);
    }
    const updated = input.replace_all ? text.split(input.old_string).join(input.new_string) : text.replace(input.old_string, () => input.new_string);
    await context.files.write(path, updated, context.signal);
    context.seen.set(path, updated);
    const summary = `Edited ${path}: replaced ${input.replace_all ? count : 1} occurrence${count > 1 && input.replace_all ? 's' : ''}.`;
    return { output: note ? `${summary}\n${note} The edit was applied to the current content.` : summary, isError: false, files: [path] };
  },
});
