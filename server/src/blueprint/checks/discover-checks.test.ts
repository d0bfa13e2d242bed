import { describe, expect, it } from 'vitest';
import { discoverChecks, toolOfScript } from './discover-checks.js';

const repo = (files: Record<string, string>) => ({ read: async (path: string) => files[path] ?? null });

describe('discovering a repo’s checks', () => {
  it('runs package.json typecheck, lint and test scripts with the arguments that make their output readable', async () => {
    const checks = await discoverChecks(
      repo({ 'package.json': JSON.stringify({ scripts: { test: 'vitest run', lint: 'eslint .', typecheck: 'tsc --noEmit', build: 'vite build' } }) }),
    );
    expect(checks).toEqual([
      { name: 'typecheck', tool: 'tsc', command: 'npm run --silent typecheck -- --pretty false', script: 'tsc --noEmit' },
      { name: 'lint', tool: 'eslint', command: 'npm run --silent lint -- -f json', script: 'eslint .' },
      { name: 'test', tool: 'vitest', command: 'npm run --silent test -- --reporter=json', script: 'vitest run' },
    ]);
  });

  it('adds Makefile targets the scripts do not cover, and pytest for a Python project', async () => {
    const checks = await discoverChecks(
      repo({ Makefile: 'VAR := 1\nlint:\n\truff .\ntest: build\n\tpytest\n', 'pyproject.toml': '[tool.pytest.ini_options]\n' }),
    );
    expect(checks.map((check) => [check.name, check.tool])).toEqual([
      ['lint', 'unknown'],
      ['test', 'unknown'],
    ]);
    const python = await discoverChecks(repo({ 'pyproject.toml': '[project]\ndependencies = ["pytest"]\n' }));
    expect(python[0]).toMatchObject({ name: 'pytest', tool: 'pytest' });
    expect(python[0]!.command).toContain('--junitxml=');
  });

  it('reads which tool a script runs; a chain of commands is unknown', () => {
    expect(toolOfScript('node --test')).toBe('node-test');
    expect(toolOfScript('node --experimental-vm-modules --test test/')).toBe('node-test');
    expect(toolOfScript('./node_modules/.bin/tsc -p .')).toBe('tsc');
    expect(toolOfScript('tsc && vitest run')).toBe('unknown');
    expect(toolOfScript('echo hi')).toBe('unknown');
  });

  it('finds nothing in a repo without a package.json, Makefile or pyproject, or with a broken package.json', async () => {
    expect(await discoverChecks(repo({}))).toEqual([]);
    expect(await discoverChecks(repo({ 'package.json': '{not json' }))).toEqual([]);
  });
});
