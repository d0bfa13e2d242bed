/**
 * Tells a check that could not run from a check that found problems: a command that is not installed
 * (the shell's exit 127, `sh: 1: jest: not found`, `bash: pnpm: command not found`) or a runner whose
 * own module is missing (`Cannot find module 'jest'`, ERR_MODULE_NOT_FOUND for a package, Python's
 * `No module named pytest`). Such a failure is the sandbox's setup, not the code: no fix round can
 * make it pass, so the run hands back with what is missing and how to provide it.
 */

/** The exit code a POSIX shell gives a command it cannot find. */
export const COMMAND_NOT_FOUND_EXIT_CODE = 127;

/** Where a person makes the sandbox have a tool or the repo's dependencies. */
const SETUP_ADVICE = "add it to .tandem/setup.sh (or the repo's setup) and rebuild the snapshot";

export interface EnvironmentProblem {
  /** The command or module that is missing, when the output names it. */
  missing?: string;
  /** What is missing and how to fix the setup, in one sentence. */
  message: string;
}

/** `sh: 1: jest: not found` (dash), `bash: line 1: pnpm: command not found`, `zsh: command not found: biome`. */
const COMMAND_NOT_FOUND = [/^(?:\S*sh): (?:line )?\d+: ([^\s:]+): (?:command )?not found\s*$/m, /^(?:\S*sh): ([^\s:]+): (?:command )?not found\s*$/m, /command not found: ([^\s:]+)\s*$/m];

/**
 * Node's `Cannot find module 'x'` and `Cannot find package 'x'` (ERR_MODULE_NOT_FOUND) for a package
 * (a bare name: the dependencies are not installed); a missing relative or absolute file is the code's.
 */
const MODULE_NOT_FOUND = /Cannot find (?:module|package) '((?:@[\w.-]+\/)?[\w.-][\w./-]*)'/;
const PYTHON_MODULE_NOT_FOUND = /No module named '?([\w.]+)'?/;

function isBareSpecifier(name: string): boolean {
  return !name.startsWith('.') && !name.startsWith('/') && !name.startsWith('node:');
}

/**
 * The environment problem of a failed check, or null when it is a code failure. Only a check whose
 * parser found nothing is read here: a test report with failures ran its tests.
 */
export function detectEnvironmentProblem(output: { stdout: string; stderr: string; exitCode: number | null }): EnvironmentProblem | null {
  if (output.exitCode === null || output.exitCode === 0) return null;
  const text = `${output.stderr}\n${output.stdout}`;
  for (const pattern of COMMAND_NOT_FOUND) {
    const missing = pattern.exec(text)?.[1];
    if (missing) return { missing, message: `\`${missing}\` is not installed in the sandbox: ${SETUP_ADVICE}.` };
  }
  if (output.exitCode === COMMAND_NOT_FOUND_EXIT_CODE) {
    return { message: `The check's command was not found in the sandbox (exit ${COMMAND_NOT_FOUND_EXIT_CODE}): install it — ${SETUP_ADVICE}.` };
  }
  const module = MODULE_NOT_FOUND.exec(text)?.[1];
  if (module && isBareSpecifier(module)) {
    const name = module.startsWith('@') ? module.split('/').slice(0, 2).join('/') : module.split('/')[0]!;
    return { missing: name, message: `The package \`${name}\` is not installed in the sandbox (are the dependencies installed?): ${SETUP_ADVICE.replace('add it', 'add the install')}.` };
  }
  const python = PYTHON_MODULE_NOT_FOUND.exec(text)?.[1];
  if (python) {
    const name = python.split('.')[0]!;
    return { missing: name, message: `The Python module \`${name}\` is not installed in the sandbox: ${SETUP_ADVICE}.` };
  }
  return null;
}
