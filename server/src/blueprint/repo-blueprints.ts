import type { BlueprintFileProblem } from '@tandem/shared/protocol/runs.js';
import { SandboxError, type Sandbox } from '../sandbox/provider.js';
import type { Blueprint } from './blueprint-schema.js';
import { parseBlueprintFile } from './blueprint-file.js';

/**
 * A repo's own blueprints, read from the session's workspace through the Sandbox API (which never
 * follows a link and never reads more than it is told). The folder is the repo's, so it is hostile:
 * the number of files and each file's size are capped, links and other odd entries are reported, not
 * followed, and one bad file never hides the others or the built-ins.
 */

export const REPO_BLUEPRINTS_DIR = '.tandem/blueprints';
/** Files read from the folder (in name order); more are reported, not read. */
export const MAX_REPO_BLUEPRINT_FILES = 20;
/** Entries listed in the folder at most (files of other kinds included): a repo can put millions there. */
export const MAX_REPO_BLUEPRINT_ENTRIES = 200;
/** A real blueprint is a few hundred bytes. */
export const MAX_REPO_BLUEPRINT_FILE_BYTES = 64 * 1024;

const BLUEPRINT_FILE_PATTERN = /\.(ya?ml|json)$/i;

export interface RepoBlueprint {
  blueprint: Blueprint;
  file: string;
}

export interface RepoBlueprints {
  blueprints: RepoBlueprint[];
  problems: BlueprintFileProblem[];
}

const decoder = new TextDecoder('utf-8', { fatal: true });

async function readOne(sandbox: Sandbox, file: string, signal?: AbortSignal): Promise<{ text: string } | { problem: string }> {
  try {
    const bytes = await sandbox.readFile(file, { maxBytes: MAX_REPO_BLUEPRINT_FILE_BYTES, signal });
    return { text: decoder.decode(bytes) };
  } catch (error) {
    if (error instanceof SandboxError && error.code === 'too-large') return { problem: `larger than ${MAX_REPO_BLUEPRINT_FILE_BYTES} bytes; a blueprint file is read only up to that size` };
    if (error instanceof SandboxError) return { problem: `can't be read: ${error.message}` };
    if (error instanceof TypeError) return { problem: 'is not UTF-8 text' };
    throw error;
  }
}

/** The valid blueprints of the workspace's `.tandem/blueprints/` and the problems of the rest; none when the folder is absent. */
export async function readRepoBlueprints(sandbox: Sandbox, signal?: AbortSignal): Promise<RepoBlueprints> {
  let entries;
  try {
    entries = await sandbox.listFiles(REPO_BLUEPRINTS_DIR, { maxEntries: MAX_REPO_BLUEPRINT_ENTRIES, signal });
  } catch (error) {
    if (error instanceof SandboxError && error.code === 'not-found') return { blueprints: [], problems: [] };
    if (error instanceof SandboxError) return { blueprints: [], problems: [{ file: REPO_BLUEPRINTS_DIR, line: 1, message: `can't be read: ${error.message}` }] };
    throw error;
  }
  const problems: BlueprintFileProblem[] = [];
  const candidates = entries.filter((entry) => BLUEPRINT_FILE_PATTERN.test(entry.path)).sort((left, right) => left.path.localeCompare(right.path));
  for (const entry of candidates) {
    if (entry.kind === 'symlink') problems.push({ file: entry.path, line: 1, message: 'is a symbolic link; Tandem reads blueprint files only as regular files, never through a link' });
  }
  const files = candidates.filter((entry) => entry.kind === 'file');
  for (const skipped of files.slice(MAX_REPO_BLUEPRINT_FILES)) {
    problems.push({ file: skipped.path, line: 1, message: `not read: a repo may have at most ${MAX_REPO_BLUEPRINT_FILES} blueprint files (the first ${MAX_REPO_BLUEPRINT_FILES} by name are read)` });
  }
  const blueprints: RepoBlueprint[] = [];
  const fileOfName = new Map<string, string>();
  for (const entry of files.slice(0, MAX_REPO_BLUEPRINT_FILES)) {
    if (entry.size > MAX_REPO_BLUEPRINT_FILE_BYTES) {
      problems.push({ file: entry.path, line: 1, message: `larger than ${MAX_REPO_BLUEPRINT_FILE_BYTES} bytes; a blueprint file is read only up to that size` });
      continue;
    }
    const read = await readOne(sandbox, entry.path, signal);
    if ('problem' in read) {
      problems.push({ file: entry.path, line: 1, message: read.problem });
      continue;
    }
    const parsed = parseBlueprintFile(entry.path, read.text);
    if (parsed.kind === 'invalid') {
      problems.push(...parsed.problems);
      continue;
    }
    const earlier = fileOfName.get(parsed.blueprint.name);
    if (earlier) {
      problems.push({ file: entry.path, line: 1, message: `name: "${parsed.blueprint.name}" is already the name of the blueprint in ${earlier}; names must be unique` });
      continue;
    }
    fileOfName.set(parsed.blueprint.name, entry.path);
    blueprints.push({ blueprint: parsed.blueprint, file: entry.path });
  }
  // In file order, as a person reads the folder (a file's own problems keep their order).
  return { blueprints, problems: problems.sort((left, right) => left.file.localeCompare(right.file)) };
}
