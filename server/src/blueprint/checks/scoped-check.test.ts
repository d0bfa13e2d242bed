import { describe, expect, it } from 'vitest';
import type { CheckCommand } from './discover-checks.js';
import { patternMatcher } from './path-pattern.js';
import { MAX_LINTED_CHANGED_FILES, scopeCheck, type ScopeInput } from './scoped-check.js';

const CACHE = '/workspace/.git/tandem-checks';
const lint = (script: string): CheckCommand => ({ name: 'lint', tool: 'eslint', command: 'npm run --silent lint -- -f json', script });
const typecheck = (script: string): CheckCommand => ({ name: 'typecheck', tool: 'tsc', command: 'npm run --silent typecheck -- --pretty false', script });
const scope = (check: CheckCommand, changed: ScopeInput['changed'], failedBefore: ScopeInput['failedBefore'] = undefined) => scopeCheck({ check, cacheDir: CACHE, changed, failedBefore });
const CACHE_ARGUMENTS = `--cache --cache-strategy content --cache-location ${CACHE}/eslint-lint.cache`;
const FULL_LINT = `mkdir -p ${CACHE} && npm run --silent lint -- -f json ${CACHE_ARGUMENTS}`;
const narrowed = (options: string, files: string) =>
  `mkdir -p ${CACHE} && PATH="$PWD/node_modules/.bin:$PATH" eslint ${options ? `${options} ` : ''}-f json ${CACHE_ARGUMENTS} --no-warn-ignored --no-error-on-unmatched-pattern -- ${files}`;

describe('checks on what changed', () => {
  it('lints only the changed files ESLint’s script covers, keeping its options, with the cache in the sandbox’s own folder', () => {
    expect(scope(lint('eslint src --max-warnings 0'), ['README.md', 'src/a.ts', 'test/b.ts'])).toEqual({
      command: narrowed('--max-warnings 0', './src/a.ts'),
      scope: { kind: 'changed', files: ['src/a.ts'] },
    });
    // `eslint .` covers every file; ESLint itself skips those no config of it lints (--no-warn-ignored).
    expect(scope(lint('eslint .'), ['README.md', 'src/a.ts']).scope).toEqual({ kind: 'changed', files: ['README.md', 'src/a.ts'] });
  });

  it('looks again at the files the check failed on last time, even when they did not change since', () => {
    expect(scope(lint('eslint .'), ['src/a.ts'], ['src/old.ts']).scope).toEqual({ kind: 'changed', files: ['src/a.ts', 'src/old.ts'] });
  });

  it('matches globs as ESLint does and keeps environment assignments and quoting intact', () => {
    expect(scope(lint("eslint 'src/**/*.ts'"), ['src/deep/x.ts', 'src/y.js', 'other/z.ts']).scope).toEqual({ kind: 'changed', files: ['src/deep/x.ts'] });
    expect(scope(lint('TIMING=1 eslint "lib/*.{js,mjs}"'), ['lib/a.mjs', 'lib/sub/b.js', "lib/it's odd.js"]).command).toBe(
      `mkdir -p ${CACHE} && PATH="$PWD/node_modules/.bin:$PATH" TIMING=1 eslint -f json ${CACHE_ARGUMENTS} --no-warn-ignored --no-error-on-unmatched-pattern -- ./lib/a.mjs './lib/it'\\''s odd.js'`,
    );
  });

  it('lints in full, cache on, when narrowing could miss something', () => {
    const reasonFor = (check: CheckCommand, changed: ScopeInput['changed'], failedBefore?: ScopeInput['failedBefore']) => {
      const scoped = scope(check, changed, failedBefore);
      expect(scoped.command).toBe(FULL_LINT);
      return scoped.scope.kind === 'full' ? scoped.scope.reason : scoped.scope.kind;
    };
    expect(reasonFor(lint('eslint .'), ['eslint.config.js', 'src/a.ts'])).toBe('eslint.config.js changed');
    expect(reasonFor(lint('eslint -c config/lint.mjs .'), ['config/lint.mjs'])).toBe('config/lint.mjs changed');
    expect(reasonFor(lint('eslint .'), ['packages/web/tsconfig.app.json'])).toBe('packages/web/tsconfig.app.json changed');
    expect(reasonFor(lint('eslint .'), undefined)).toBe('what changed could not be read from git');
    expect(reasonFor(lint('eslint .'), ['src/a.ts'], 'unknown')).toBe('it failed on more files last time than were kept');
    expect(reasonFor(lint('eslint .'), [])).toBe('nothing has changed yet: this is the first look');
    const many = Array.from({ length: MAX_LINTED_CHANGED_FILES + 1 }, (_, index) => `src/f${index}.ts`);
    expect(reasonFor(lint('eslint .'), many)).toBe(`${many.length} files changed (more than ${MAX_LINTED_CHANGED_FILES})`);
    // Scripts whose words depend on the shell, or options it does not know, are not narrowed.
    expect(reasonFor(lint('eslint $DIRS'), ['src/a.ts'])).toBe('its script is not one Tandem can narrow to files');
    expect(reasonFor(lint('eslint --some-new-option value src'), ['src/a.ts'])).toBe('its script is not one Tandem can narrow to files');
    expect(reasonFor(lint("eslint '!src/generated'"), ['src/a.ts'])).toBe('its patterns are not ones Tandem can match files against');
  });

  it('skips ESLint when nothing it lints changed since it last passed', () => {
    expect(scope(lint('eslint src'), [], []).scope).toEqual({ kind: 'unchanged', reason: 'nothing it lints changed since it last passed' });
    expect(scope(lint('eslint src'), ['docs/guide.md'], []).scope.kind).toBe('unchanged');
  });

  it('type-checks incrementally with the build info in the sandbox’s own folder, unless the script builds its own way', () => {
    expect(scope(typecheck('tsc --noEmit -p tsconfig.json'), ['src/a.ts'])).toEqual({
      command: `mkdir -p ${CACHE} && npm run --silent typecheck -- --pretty false --incremental --tsBuildInfoFile ${CACHE}/tsc-typecheck.tsbuildinfo`,
      scope: { kind: 'incremental' },
    });
    for (const script of ['tsc -b', 'tsc --build tsconfig.json', 'tsc --watch', 'tsc --noEmit --incremental', 'tsc --tsBuildInfoFile=.cache/x']) {
      expect(scope(typecheck(script), []).scope.kind).toBe('as-written');
    }
  });

  it('runs as written what Tandem does not recognise, what a blueprint declares, and anything without a cache folder', () => {
    const vitest: CheckCommand = { name: 'test', tool: 'vitest', command: 'npm run --silent test -- --reporter=json', script: 'vitest run' };
    expect(scope(vitest, ['src/a.ts'])).toEqual({ command: vitest.command, scope: { kind: 'as-written' } });
    const declared: CheckCommand = { name: 'lint', tool: 'eslint', command: 'npx eslint -f json .' };
    expect(scope(declared, ['src/a.ts'])).toEqual({ command: declared.command, scope: { kind: 'as-written' } });
    expect(scopeCheck({ check: lint('eslint .'), cacheDir: undefined, changed: ['src/a.ts'], failedBefore: undefined }).scope.kind).toBe('as-written');
  });
});

describe('ESLint pattern arguments', () => {
  it('reads folders, files and globs the way ESLint walks them', () => {
    const matches = (pattern: string, file: string) => patternMatcher(pattern)!(file);
    expect(matches('.', 'a/b.ts')).toBe(true);
    expect(matches('./src/', 'src/a.ts')).toBe(true);
    expect(matches('src', 'srcs/a.ts')).toBe(false);
    expect(matches('src/a.ts', 'src/a.ts')).toBe(true);
    expect(matches('**/*.ts', 'a.ts')).toBe(true);
    expect(matches('src/**/*.ts', 'src/a/b/c.ts')).toBe(true);
    expect(matches('src/*.ts', 'src/a/b.ts')).toBe(false);
    expect(matches('src/*', 'src/a/b.ts')).toBe(true);
    expect(matches('src/[ab].js', 'src/b.js')).toBe(true);
    expect(matches('src/?.js', 'src/bb.js')).toBe(false);
    expect(matches('*.{js,ts}', 'x.ts')).toBe(true);
    expect(matches('*.{js,ts}', 'x.tsx')).toBe(false);
    expect(patternMatcher('../outside')).toBeUndefined();
    expect(patternMatcher('/abs')).toBeUndefined();
  });
});
