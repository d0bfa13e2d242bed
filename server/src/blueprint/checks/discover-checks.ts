import { z } from 'zod';
import type { CheckTool } from '@tandem/shared/doc/run-schema.js';

/** A check the repo declares: a name people know it by, the command, and the tool whose output it prints. */
export interface CheckCommand {
  name: string;
  command: string;
  tool: CheckTool;
  /** The package.json script's own text, for a check that runs one (what lets it run on what changed). */
  script?: string;
}

/** package.json scripts run as checks, in this order (a type error explains a failing test). */
export const PACKAGE_CHECK_SCRIPTS = ['typecheck', 'type-check', 'lint', 'test'] as const;
/** Makefile targets run as checks when there is no package.json script for them. */
export const MAKE_CHECK_TARGETS = ['typecheck', 'lint', 'test', 'check'] as const;
/** Where pytest writes its JUnit report inside the sandbox (tmpfs, never the workspace). */
export const PYTEST_JUNIT_PATH = '/tmp/tandem-pytest-junit.xml';

const packageJsonSchema = z.object({ scripts: z.record(z.string(), z.string()).optional().catch(undefined) }).passthrough();

/** Which tool a script runs, read from its text; a chain of commands is `unknown` (its output mixes tools). */
export function toolOfScript(script: string): CheckTool {
  if (/&&|\|\||[;|]/.test(script)) return 'unknown';
  if (/(^|\s|\/)tsc(\s|$)/.test(script)) return 'tsc';
  if (/(^|\s|\/)eslint(\s|$)/.test(script)) return 'eslint';
  if (/(^|\s|\/)vitest(\s|$)/.test(script)) return 'vitest';
  if (/(^|\s|\/)jest(\s|$)/.test(script)) return 'jest';
  if (/(^|\s)node\s+(.*\s)?--test(\s|$)/.test(script)) return 'node-test';
  if (/(^|\s|\/)pytest(\s|$)/.test(script)) return 'pytest';
  return 'unknown';
}

/** Arguments appended to a script so its tool prints what the parser reads (node:test prints TAP when not on a terminal). */
const MACHINE_ARGUMENTS: Record<CheckTool, string> = {
  tsc: '--pretty false',
  eslint: '-f json',
  vitest: '--reporter=json',
  jest: '--json',
  'node-test': '',
  pytest: `--junitxml=${PYTEST_JUNIT_PATH} -o junit_family=xunit1`,
  unknown: '',
};

/** Runs a package.json script with arguments after its own (npm passes what follows `--`). */
export function packageScriptCommand(name: string, extra: string): string {
  return `npm run --silent ${name}${extra ? ` -- ${extra}` : ''}`;
}

/** What a tool needs on its command line to print what its parser reads. */
export function machineArguments(tool: CheckTool): string {
  return MACHINE_ARGUMENTS[tool];
}

/** Prints the JUnit report after pytest's own output, keeping pytest's exit code. */
const withJunitReport = (command: string) => `rm -f ${PYTEST_JUNIT_PATH}; ${command}; code=$?; cat ${PYTEST_JUNIT_PATH} 2>/dev/null; exit $code`;

export interface RepoFiles {
  /** A workspace file's text, or null when it does not exist. */
  read(path: string): Promise<string | null>;
}

/** The checks a repo declares: package.json scripts, else Makefile targets, plus pytest for a Python project. */
export async function discoverChecks(files: RepoFiles): Promise<CheckCommand[]> {
  const checks: CheckCommand[] = [];
  const packageText = await files.read('package.json');
  const scripts = packageText ? parseScripts(packageText) : {};
  for (const name of PACKAGE_CHECK_SCRIPTS) {
    const script = scripts[name];
    if (!script) continue;
    const tool = toolOfScript(script);
    const command = packageScriptCommand(name, MACHINE_ARGUMENTS[tool]);
    checks.push({ name, tool, command: tool === 'pytest' ? withJunitReport(command) : command, script });
  }
  const makefile = await files.read('Makefile');
  if (makefile) {
    const targets = new Set([...makefile.matchAll(/^([A-Za-z][\w-]*)\s*:(?!=)/gm)].map((match) => match[1]!));
    for (const target of MAKE_CHECK_TARGETS) {
      if (!targets.has(target) || checks.some((check) => check.name === target)) continue;
      checks.push({ name: target, tool: 'unknown', command: `make ${target}` });
    }
  }
  const pyproject = await files.read('pyproject.toml');
  if (pyproject && /pytest/.test(pyproject) && !checks.some((check) => check.tool === 'pytest' || check.name === 'test')) {
    checks.push({ name: 'pytest', tool: 'pytest', command: withJunitReport(`python3 -m pytest -q ${MACHINE_ARGUMENTS.pytest}`) });
  }
  return checks;
}

function parseScripts(text: string): Record<string, string> {
  try {
    return packageJsonSchema.safeParse(JSON.parse(text)).data?.scripts ?? {};
  } catch {
    return {};
  }
}
