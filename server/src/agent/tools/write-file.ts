import { z } from 'zod';
import { changedUnderNote, decodeText, defineTool, workspacePath } from './tool.js';

/** Largest file the agent may write in one call. */
export const MAX_WRITE_FILE_CHARS = 1024 * 1024;

export const writeFileTool = defineTool({
  name: 'write_file',
  description: 'Create a file or replace its whole content. Folders are created as needed. Prefer edit_file for small changes.',
  input: z.object({
    path: z.string().min(1),
    content: z.string().max(MAX_WRITE_FILE_CHARS, `content must be at most ${MAX_WRITE_FILE_CHARS} characters`),
  }),
  async run(input, context) {
    const path = workspacePath(input.path);
    const current = context.seen.has(path) ? decodeText(await context.files.read(path, context.signal).catch(() => new Uint8Array())) : null;
    const note = current === null ? null : changedUnderNote(context, path, current);
    await context.files.write(path, input.content, context.signal);
    context.seen.set(path, input.content);
    const lines = input.content === '' ? 0 : input.content.split('\n').length;
    const warning = note ? `\n${note} Your write replaced those changes; read the file and restore them if they mattered.` : '';
    return { output: `Wrote ${path} (${lines} lines).${warning}`, isError: false, files: [path] };
  },
});
