import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { detect, LOCKS } from 'package-manager-detector';
import { z } from 'zod';
import { readTreeFile, listTree } from '../../sandbox/local/host-files.js';
import { SandboxError } from '../../sandbox/provider.js';
import { decideDetectedSteps, type JavaScriptFacts, type RepoFacts } from './detect-toolchains.js';
import {
  COPILOT_SETUP_STEPS_PATH,
  CURSOR_ENVIRONMENT_PATH,
  DEVCONTAINER_PATH,
  OPENINSPECT_SETUP_PATH,
  parseCopilotSetupSteps,
  parseCursorEnvironment,
  parseDevcontainer,
  ROOT_DEVCONTAINER_PATH,
  type ParsedEnvironmentFile,
} from './environment-files.js';

/**
 * What a snapshot build runs when the repo has no `.tandem/setup.sh`: the steps of the first
 * environment file the team already keeps (devcontainer, Cursor, Open-Inspect, Copilot), else the
 * installs detected from the repo. Every file is read from the tree without following a link and
 * bounded in size; nothing here runs anything.
 */

/** A tool a step needs; checked inside the setup sandbox, where the step runs. */
export interface RequiredTool {
  name: string;
  /** How an operator provides it, for the message when it is missing. */
  provide: string;
}

export type SetupStep =
  | {
      kind: 'run';
      label: string;
      script: string;
      tool?: RequiredTool;
      /** The tool whose version the snapshot records after the step (one the sandbox's PATH does not show, e.g. pnpm through corepack). */
      versionOf?: { name: string; command: string };
    }
  | { kind: 'skipped'; label: string; reason: string };

export type SetupSource = { kind: 'file'; path: string } | { kind: 'detected' };

export interface SetupPlan {
  source: SetupSource;
  steps: SetupStep[];
  /** Files found but not followed, and why (for the build log). */
  notes: string[];
}

export const MAX_SETUP_FILE_BYTES = 256 * 1024;
export const MAX_PACKAGE_JSON_BYTES = 1024 * 1024;

/** The environment files honoured before detection, in order (after `.tandem/setup.sh`). */
export const ENVIRONMENT_FILES: ReadonlyArray<{ path: string; parse: (text: string) => ParsedEnvironmentFile }> = [
  { path: DEVCONTAINER_PATH, parse: (text) => parseDevcontainer(text, DEVCONTAINER_PATH) },
  { path: ROOT_DEVCONTAINER_PATH, parse: (text) => parseDevcontainer(text, ROOT_DEVCONTAINER_PATH) },
  { path: CURSOR_ENVIRONMENT_PATH, parse: parseCursorEnvironment },
  { path: OPENINSPECT_SETUP_PATH, parse: () => ({ ok: true, steps: [{ kind: 'run', label: `Running ${OPENINSPECT_SETUP_PATH}`, script: `bash ${OPENINSPECT_SETUP_PATH}` }] }) },
  { path: COPILOT_SETUP_STEPS_PATH, parse: parseCopilotSetupSteps },
];

type TreeText = { kind: 'text'; text: string } | { kind: 'absent' } | { kind: 'refused'; reason: string };

/** A file of the tree as text: absent, or refused (a link, a folder, too big) with the reason. */
export async function readTreeText(tree: string, relativePath: string, maxBytes: number): Promise<TreeText> {
  try {
    return { kind: 'text', text: new TextDecoder('utf-8', { fatal: false }).decode(await readTreeFile(tree, relativePath, { maxBytes })) };
  } catch (error) {
    if (!(error instanceof SandboxError)) throw error;
    return error.code === 'not-found' ? { kind: 'absent' } : { kind: 'refused', reason: error.message };
  }
}

const dependencyMap = z.record(z.string(), z.unknown()).optional().catch(undefined);
const packageJsonSchema = z.looseObject({
  dependencies: dependencyMap,
  devDependencies: dependencyMap,
  optionalDependencies: dependencyMap,
  workspaces: z.unknown().optional(),
  packageManager: z.string().max(300).optional().catch(undefined),
  devEngines: z.looseObject({ packageManager: z.looseObject({ name: z.string().max(100) }).optional().catch(undefined) }).optional().catch(undefined),
});

/**
 * The JavaScript facts of the root, from package-manager-detector run over a private copy of the
 * root's package.json and empty stand-ins for its lockfiles (regular files only): the detector reads
 * with stat and walks up to parent folders, neither of which may touch the repo's links or the host.
 */
export async function detectJavaScript(tree: string, topLevelFiles: ReadonlySet<string>): Promise<JavaScriptFacts | null> {
  if (!topLevelFiles.has('package.json')) return null;
  const packageJson = await readTreeText(tree, 'package.json', MAX_PACKAGE_JSON_BYTES);
  if (packageJson.kind !== 'text') return null;
  let fields: z.infer<typeof packageJsonSchema> = {};
  try {
    fields = packageJsonSchema.catch({}).parse(JSON.parse(packageJson.text));
  } catch {
    // Not JSON: the package manager's own install will say so in the log.
  }
  const lockfile = Object.keys(LOCKS).find((name) => topLevelFiles.has(name) && !name.endsWith('-workspace.yaml')) ?? null;
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'tandem-detect-'));
  try {
    await writeFile(path.join(scratch, 'package.json'), JSON.stringify(fields));
    for (const name of Object.keys(LOCKS)) if (topLevelFiles.has(name)) await writeFile(path.join(scratch, name), '');
    const detected = await detect({ cwd: scratch, stopDir: scratch });
    const hasDependencies =
      [fields.dependencies, fields.devDependencies, fields.optionalDependencies].some((map) => map !== undefined && Object.keys(map).length > 0) || fields.workspaces !== undefined;
    if (!detected) return { name: 'npm', agent: 'npm', from: 'default', lockfile, hasDependencies };
    const from = fields.packageManager ? 'packageManager' : fields.devEngines?.packageManager ? 'devEngines' : 'lockfile';
    return { name: detected.name, agent: detected.agent, ...(detected.version ? { version: detected.version } : {}), from, lockfile, hasDependencies };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** The plan for a tree without `.tandem/setup.sh`. */
export async function planSetup(tree: string): Promise<SetupPlan> {
  const notes: string[] = [];
  for (const file of ENVIRONMENT_FILES) {
    const read = await readTreeText(tree, file.path, MAX_SETUP_FILE_BYTES);
    if (read.kind === 'absent') continue;
    if (read.kind === 'refused') {
      notes.push(`${file.path} not followed: ${read.reason}`);
      continue;
    }
    const parsed = file.parse(read.text);
    if (!parsed.ok) notes.push(`${file.path} not followed: ${parsed.reason}`);
    else if (!parsed.steps.some((step) => step.kind === 'run')) notes.push(`${file.path} names no setup command`);
    else return { source: { kind: 'file', path: file.path }, steps: parsed.steps, notes };
  }
  return { source: { kind: 'detected' }, steps: await detectSteps(tree), notes };
}

/** The installs detected from the repo's files, whatever environment files it keeps. */
export async function detectSteps(tree: string): Promise<SetupStep[]> {
  const entries = await listTree(tree, '.').catch(() => []);
  const files = new Set(entries.filter((entry) => entry.kind === 'file').map((entry) => entry.path));
  const pyproject = files.has('pyproject.toml') ? await readTreeText(tree, 'pyproject.toml', MAX_SETUP_FILE_BYTES) : null;
  const facts: RepoFacts = {
    files,
    javascript: await detectJavaScript(tree, files),
    nodeModulesCopied: entries.some((entry) => entry.path === 'node_modules' && entry.kind === 'directory'),
    pyproject: pyproject?.kind === 'text' ? pyproject.text : null,
  };
  return decideDetectedSteps(facts);
}
