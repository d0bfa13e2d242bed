import { z } from 'zod';
import { defineTool, workspacePath } from './tool.js';

/** Largest file the agent may write in one call. */
export const MAX_WRITE_FILE_CHARS = 1024 * 1024;

export const writeFileTool = defineTool({
  name: 'write_file',
  description: 'Create a file or replace its whole content. Folders are created as needed. Prefer edit_file for small changes.',
  input: z.object({
    path: z.string().min(1),
    content: z.string().max(MAX_WRITE_FILE_CHARS, `content must be at most ${MAX_WRITE_FILE_CHARS} characters`),
  }),
  async run(input, { sandbox, signal }) {
    const path = workspacePath(input.path);
    await sandbox.writeFile(path, input.content, { signal });
    const lines = input.content === '' ? 0 : input.content.split('\n').length;
    return { output: `Wrote ${path} (${lines} lines).`, isError: false, files: [path] };
  },
});
