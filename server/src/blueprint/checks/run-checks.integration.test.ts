import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createLocalSandboxHarness } from '../../../test-support/local-sandbox.js';
import { typescriptExampleRepo } from '../../../test-support/typescript-example.js';
import type { Sandbox } from '../../sandbox/provider.js';
import { ChecksMemory } from './checks-memory.js';
import { runChecks } from './run-checks.js';

/**
 * Checks on what changed, in a real local sandbox over the TypeScript example (ESLint with
 * typescript-eslint, tsc), its toolchain copied from this project's node_modules. The repo has a
 * lint error committed in src/legacy.ts, so which files a lint looked at shows in what it reports.
 */
const LEGACY = "export function legacy(): number {\n  const forgotten = 1;\n  return 2;\n}\n";
const CLEAN_CART_EDIT = "export const CART_VERSION = 2;\n";
const CART_WITH_LINT_ERROR = "export function sameSku(a: string, b: string): boolean {\n  const unused = 0;\n  return a == b;\n}\n";
const TYPE_ERROR = "export const count: number = 'three';\n";

let harness: Awaited<ReturnType<typeof createLocalSandboxHarness>>;
let repoParent = '';
const sandboxes: Sandbox[] = [];
beforeAll(async () => {
  const repo = await typescriptExampleRepo({ 'src/legacy.ts': LEGACY });
  repoParent = repo.parent;
  harness = await createLocalSandboxHarness({ repo: repo.dir, repoRoots: [repo.parent] });
}, 120_000);
afterAll(async () => {
  await Promise.all(sandboxes.map((sandbox) => sandbox.close()));
  await harness?.dispose();
  await rm(repoParent, { recursive: true, force: true });
});

const signal = new AbortController().signal;
async function session() {
  const sandbox = await harness.open();
  sandboxes.push(sandbox);
  const memory = new ChecksMemory();
  const check = () => runChecks(sandbox, undefined, { timeoutMs: 120_000, signal, memory });
  const write = (file: string, text: string) => sandbox.writeFile(file, new TextEncoder().encode(text), { signal });
  return { sandbox, check, write };
}
const where = (result: Awaited<ReturnType<typeof runChecks>>) => result.failures.map((failure) => `${failure.check} ${failure.file}:${failure.line} ${failure.rule}`);
const scopes = (result: Awaited<ReturnType<typeof runChecks>>) => Object.fromEntries(result.runs.map((run) => [run.name, run.scope.kind === 'changed' ? run.scope.files : run.scope.kind]));

it('after an agent changed one file, lint looks at that file only (with its cache in .git) and tsc type-checks incrementally', async () => {
  const { sandbox, check, write } = await session();
  await write('src/cart-rules.ts', CART_WITH_LINT_ERROR);
  const first = await check();
  expect(scopes(first)).toEqual({ typecheck: 'incremental', lint: ['src/cart-rules.ts'] });
  // The committed error in src/legacy.ts is not the agent's: only the changed file is reported.
  expect(where(first)).toEqual(['lint src/cart-rules.ts:2 @typescript-eslint/no-unused-vars', 'lint src/cart-rules.ts:3 eqeqeq']);
  expect(first.excerpt).toContain('✓ typecheck');
  expect(first.excerpt).toContain('✗ lint');
  expect(first.excerpt).toContain('1 changed file');
  const caches = await sandbox.exec('ls .git/tandem-checks');
  expect(caches.stdout.split('\n').filter(Boolean).sort()).toEqual(['eslint-lint.cache', 'tsc-typecheck.tsbuildinfo']);
  // The checks leave nothing in what the commit would take (no caches, no npm logs): only the agent's file.
  expect((await sandbox.exec("git -c safe.directory='*' status --porcelain --untracked-files=all")).stdout).toBe('?? src/cart-rules.ts\n');

  // A fix round: the file is fixed and a type error added elsewhere; both checks see it.
  await write('src/cart-rules.ts', CLEAN_CART_EDIT);
  await write('src/count.ts', TYPE_ERROR);
  const second = await check();
  expect(scopes(second)).toEqual({ typecheck: 'incremental', lint: ['src/cart-rules.ts', 'src/count.ts'] });
  expect(where(second)).toEqual(['typecheck src/count.ts:1 TS2322']);
  await write('src/count.ts', 'export const count: number = 3;\n');
  const third = await check();
  expect(third.passed).toBe(true);
}, 180_000);

it('the first look at an unchanged repo lints every file; a fix round then looks again at the files that failed', async () => {
  const { sandbox, check, write } = await session();
  const first = await check();
  expect(scopes(first).lint).toBe('full');
  expect(first.excerpt).toContain('every file: nothing has changed yet');
  expect(where(first)).toEqual(['lint src/legacy.ts:2 @typescript-eslint/no-unused-vars']);
  // The fix touched another file only: legacy.ts is linted again, and still fails.
  await write('src/money-extra.ts', CLEAN_CART_EDIT);
  const second = await check();
  expect(scopes(second).lint).toEqual(['src/legacy.ts', 'src/money-extra.ts']);
  expect(where(second)).toEqual(['lint src/legacy.ts:2 @typescript-eslint/no-unused-vars']);
  // A change to ESLint's config could change any file's result: back to every file.
  const config = new TextDecoder().decode(await sandbox.readFile('eslint.config.js', { signal }));
  await write('eslint.config.js', `${config}// tuned\n`);
  const third = await check();
  expect(third.runs.find((run) => run.name === 'lint')?.scope).toEqual({ kind: 'full', reason: 'eslint.config.js changed' });
  expect(where(third)).toEqual(['lint src/legacy.ts:2 @typescript-eslint/no-unused-vars']);
}, 180_000);

it('without git history to compare with, the checks run as the repo wrote them', async () => {
  const { sandbox, check, write } = await session();
  expect((await sandbox.exec('rm -rf .git')).exitCode).toBe(0);
  await write('src/cart-rules.ts', CART_WITH_LINT_ERROR);
  const result = await check();
  expect(scopes(result)).toEqual({ typecheck: 'as-written', lint: 'as-written' });
  expect(where(result)).toEqual([
    'lint src/cart-rules.ts:2 @typescript-eslint/no-unused-vars',
    'lint src/cart-rules.ts:3 eqeqeq',
    'lint src/legacy.ts:2 @typescript-eslint/no-unused-vars',
  ]);
}, 180_000);
