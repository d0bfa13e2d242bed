import { z } from 'zod';
import { capText, defineTool, workspacePath } from './tool.js';
import { matchesGlob } from './glob-pattern.js';

/** Most paths one listing returns. */
export const MAX_LISTED_FILES = 1_000;
const SKIPPED_FOLDERS = new Set(['.git', 'node_modules']);

export const listFilesTool = defineTool({
  name: 'list_files',
  description:
    'List files of the workspace under `path` (default: the root), recursively, with sizes. Give `pattern` ' +
    "(a glob such as '**/*.ts' or 'src/*.test.js') to list only matching files. .git and node_modules are skipped.",
  input: z.object({
    path: z.string().optional(),
    pattern: z.string().min(1).max(500).optional(),
  }),
  async run(input, { sandbox, signal }) {
    const root = workspacePath(input.path ?? '.');
    const entries = await sandbox.listFiles(root, { recursive: true, signal });
    const files = entries
      .filter((entry) => entry.kind !== 'directory')
      .filter((entry) => !entry.path.split('/').some((part) => SKIPPED_FOLDERS.has(part)))
      .filter((entry) => !input.pattern || matchesGlob(entry.path, input.pattern))
      .sort((left, right) => left.path.localeCompare(right.path));
    if (files.length === 0) return { output: input.pattern ? `No files match ${input.pattern} under ${root}.` : `No files under ${root}.`, isError: false };
    const shown = files.slice(0, MAX_LISTED_FILES).map((entry) => `${entry.path}  (${entry.size} bytes)`);
    const more = files.length > shown.length ? `\n[${files.length - shown.length} more; narrow the path or pattern]` : '';
    return { output: capText(shown.join('\n') + more).text, isError: false };
  },
});
