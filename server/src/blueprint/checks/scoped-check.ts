import path from 'node:path';
import { machineArguments, packageScriptCommand, type CheckCommand } from './discover-checks.js';
import { patternMatcher } from './path-pattern.js';
import { scriptWords, shellQuote, type ScriptWord } from './script-words.js';

/**
 * Checks on what changed, where the tool allows: a lint script that is plain ESLint lints only the
 * files changed since the run started (plus those it failed on last time), with ESLint's cache; a
 * typecheck script that is plain tsc type-checks incrementally. Both keep their state in a folder
 * of the sandbox's own (`cacheDir`). Anything else runs as written. Pure: given the check, its
 * script's text and what changed, which command runs.
 */

/** More changed files than this and ESLint lints in full (its cache still skips unchanged files). */
export const MAX_LINTED_CHANGED_FILES = 200;
/** How ESLint's cache tells a changed file: by content (an edit within a second that keeps the size is still seen). */
const ESLINT_CACHE_STRATEGY = 'content';

/** Files whose change can change any file's lint result: ESLint's config and ignores, packages, TypeScript projects (type-aware rules). */
const LINT_CONFIG_FILE = /(^|\/)(eslint\.config\.[cm]?[jt]s|\.eslintrc(\.[\w]+)?|\.eslintignore|package\.json|package-lock\.json|npm-shrinkwrap\.json|yarn\.lock|pnpm-lock\.yaml|tsconfig([.\w-]*)\.json)$/;

/** ESLint options that take a value (ESLint 8 and 9), as the next word or after `=`. */
const ESLINT_VALUE_OPTIONS = new Set([
  '-c', '--config', '--env', '--ext', '--global', '--parser', '--parser-options', '--resolve-plugins-relative-to', '--rulesdir', '--plugin',
  '--rule', '--ignore-path', '--ignore-pattern', '-f', '--format', '--max-warnings', '--cache-location', '--cache-file', '--cache-strategy',
  '--fix-type', '--report-unused-disable-directives-severity', '--flag', '--concurrency', '--suppressions-location',
]);
const ESLINT_FLAG_OPTIONS = new Set([
  '--no-eslintrc', '--no-config-lookup', '--no-inline-config', '--no-ignore', '--fix', '--fix-dry-run', '--quiet', '--color', '--no-color', '--cache',
  '--report-unused-disable-directives', '--no-error-on-unmatched-pattern', '--error-on-unmatched-pattern', '--exit-on-fatal-error', '--no-warn-ignored',
  '--pass-on-no-patterns', '--debug', '--stats', '--suppress-all', '--prune-suppressions', '--pass-on-unpruned-suppressions',
]);
/** Options that make ESLint do something other than lint files into a report (or write it elsewhere): run as written. */
const ESLINT_NOT_A_LINT = new Set(['-o', '--output-file', '--stdin', '--stdin-filename', '--init', '--print-config', '--inspect-config', '--env-info', '-h', '--help', '-v', '--version']);
/** Options naming files whose change changes every result. */
const ESLINT_CONFIG_OPTIONS = new Set(['-c', '--config', '--ignore-path', '--rulesdir', '--suppressions-location']);

/** tsc options under which `--incremental --tsBuildInfoFile` is refused or means something else. */
const TSC_OWN_BUILD = new Set(['-b', '--build', '-w', '--watch', '--tsBuildInfoFile', '--incremental', '-i']);

export interface ScopeInput {
  check: CheckCommand;
  /** A folder of the sandbox's own for caches (absolute, inside the sandbox); none: everything runs as written. */
  cacheDir: string | undefined;
  /** Workspace files added or changed since the run started (committed or not, untracked included); undefined when that could not be told. */
  changed: readonly string[] | undefined;
  /** Files this check failed on when it last ran in this run; undefined: it has not run; 'unknown': its failures were more than were kept. */
  failedBefore: readonly string[] | 'unknown' | undefined;
}

export type CheckScope =
  | { kind: 'as-written' }
  /** ESLint in full, cache on: the first look, or when narrowing could miss something (`reason`). */
  | { kind: 'full'; reason: string }
  /** ESLint on these files only. */
  | { kind: 'changed'; files: string[] }
  /** ESLint need not run: nothing it lints changed since it last passed on everything it looked at. */
  | { kind: 'unchanged'; reason: string }
  /** tsc reusing what its last run learnt. */
  | { kind: 'incremental' };

export interface ScopedCheck {
  command: string;
  scope: CheckScope;
}

const asWritten = (check: CheckCommand): ScopedCheck => ({ command: check.command, scope: { kind: 'as-written' } });
const cacheName = (check: CheckCommand) => check.name.replace(/[^\w.-]/g, '_');

/** The command a check runs this time, and on what. */
export function scopeCheck(input: ScopeInput): ScopedCheck {
  const { check, cacheDir } = input;
  if (!check.script || !cacheDir) return asWritten(check);
  switch (check.tool) {
    case 'eslint':
      return scopeEslint(input, check.script, cacheDir);
    case 'tsc':
      return scopeTsc(check, check.script, cacheDir);
    default:
      return asWritten(check);
  }
}

function scopeTsc(check: CheckCommand, script: string, cacheDir: string): ScopedCheck {
  const words = scriptWords(script);
  if (!words || words.some((word) => TSC_OWN_BUILD.has(word.text.split('=')[0]!))) return asWritten(check);
  const buildInfo = `${cacheDir}/tsc-${cacheName(check)}.tsbuildinfo`;
  const extra = `${machineArguments('tsc')} --incremental --tsBuildInfoFile ${shellQuote(buildInfo)}`;
  return { command: `mkdir -p ${shellQuote(cacheDir)} && ${packageScriptCommand(check.name, extra)}`, scope: { kind: 'incremental' } };
}

/** An ESLint script read into its parts; undefined when some word cannot be placed (then it is linted in full). */
interface EslintInvocation {
  /** `NAME=value` words and an `npx` before the binary, kept as they are. */
  prefix: string[];
  binary: string;
  /** Its options, in order, without the patterns. */
  options: string[];
  patterns: string[];
  configFiles: string[];
}

function readEslintScript(words: ScriptWord[]): EslintInvocation | undefined {
  const prefix: string[] = [];
  let index = 0;
  for (; index < words.length && /^[A-Za-z_]\w*=/.test(words[index]!.text); index += 1) prefix.push(words[index]!.text);
  if (words[index]?.text === 'npx') prefix.push(words[index++]!.text);
  const binary = words[index]?.text;
  if (!binary || path.posix.basename(binary) !== 'eslint') return undefined;
  const invocation: EslintInvocation = { prefix, binary, options: [], patterns: [], configFiles: [] };
  let positionalOnly = false;
  for (index += 1; index < words.length; index += 1) {
    const word = words[index]!.text;
    if (positionalOnly || !word.startsWith('-')) {
      invocation.patterns.push(word);
      continue;
    }
    if (word === '--') {
      positionalOnly = true;
      continue;
    }
    const [name, inline] = word.startsWith('--') && word.includes('=') ? [word.slice(0, word.indexOf('=')), word.slice(word.indexOf('=') + 1)] : [word, undefined];
    if (ESLINT_NOT_A_LINT.has(name)) return undefined;
    if (ESLINT_VALUE_OPTIONS.has(name)) {
      const value = inline ?? words[++index]?.text;
      if (value === undefined) return undefined;
      if (ESLINT_CONFIG_OPTIONS.has(name)) invocation.configFiles.push(value.replace(/^(\.\/)+/, '').replace(/\/+$/, ''));
      invocation.options.push(name, value);
    } else if (ESLINT_FLAG_OPTIONS.has(name) && inline === undefined) invocation.options.push(name);
    else return undefined;
  }
  return invocation;
}

function scopeEslint(input: ScopeInput, script: string, cacheDir: string): ScopedCheck {
  const { check, changed, failedBefore } = input;
  const cacheArguments = ['--cache', '--cache-strategy', ESLINT_CACHE_STRATEGY, '--cache-location', `${cacheDir}/eslint-${cacheName(check)}.cache`];
  const makeCache = `mkdir -p ${shellQuote(cacheDir)} && `;
  const full = (reason: string): ScopedCheck => ({
    command: makeCache + packageScriptCommand(check.name, [machineArguments('eslint'), ...cacheArguments.map(shellQuote)].join(' ')),
    scope: { kind: 'full', reason },
  });
  const words = scriptWords(script);
  const invocation = words && readEslintScript(words);
  if (!invocation) return full('its script is not one Tandem can narrow to files');
  if (!changed) return full('what changed could not be read from git');
  if (failedBefore === 'unknown') return full('it failed on more files last time than were kept');
  if (failedBefore === undefined && changed.length === 0) return full('nothing has changed yet: this is the first look');
  const configChanged = changed.find((file) => LINT_CONFIG_FILE.test(file) || invocation.configFiles.some((config) => file === config || file.startsWith(`${config}/`)));
  if (configChanged) return full(`${configChanged} changed`);
  const matchers = (invocation.patterns.length > 0 ? invocation.patterns : ['.']).map(patternMatcher);
  if (matchers.some((matcher) => matcher === undefined)) return full('its patterns are not ones Tandem can match files against');
  const covered = (file: string) => matchers.some((matcher) => matcher!(file));
  const files = [...new Set([...changed, ...(failedBefore ?? [])])].filter(covered).sort();
  if (files.length === 0) return { command: '', scope: { kind: 'unchanged', reason: failedBefore ? 'nothing it lints changed since it last passed' : 'no changed file is one it lints' } };
  if (files.length > MAX_LINTED_CHANGED_FILES) return full(`${files.length} files changed (more than ${MAX_LINTED_CHANGED_FILES})`);
  // Files ESLint would not lint (no config covers them, or ignored) are skipped quietly, as its own walk skips them.
  const narrowing = ['--no-warn-ignored', '--no-error-on-unmatched-pattern'];
  // An assignment stays one (`NAME='a b'`, never `'NAME=a b'`, which sh would run as a command).
  const assignments = invocation.prefix.map((word) => (word.includes('=') ? `${word.slice(0, word.indexOf('=') + 1)}${shellQuote(word.slice(word.indexOf('=') + 1))}` : word));
  const argv = [invocation.binary, ...invocation.options, ...machineArguments('eslint').split(' '), ...cacheArguments, ...narrowing, '--', ...files.map((file) => `./${file}`)];
  const command = `${makeCache}PATH="$PWD/node_modules/.bin:$PATH" ${[...assignments, ...argv.map(shellQuote)].join(' ')}`;
  return { command, scope: { kind: 'changed', files } };
}
