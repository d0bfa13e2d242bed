import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decideDetectedSteps } from './detect-toolchains.js';
import { planSetup } from './setup-plan.js';
import { parseToolchainVersions, stepScript } from './run-setup-plan.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'tandem-setup-plan-'));
afterAll(() => rm(root, { recursive: true, force: true }));
let count = 0;

/** A repo layout: relative path → content (a string) or a link target ({ link }). */
function repo(files: Record<string, string | { link: string }>): string {
  const tree = path.join(root, `repo-${(count += 1)}`);
  mkdirSync(tree);
  for (const [relative, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(tree, relative)), { recursive: true });
    if (typeof content === 'string') writeFileSync(path.join(tree, relative), content);
    else symlinkSync(content.link, path.join(tree, relative));
  }
  return tree;
}

/** A package.json with a dependency (and `extra` fields): one without any has nothing to install. */
const pkg = (extra: object = {}) => JSON.stringify({ dependencies: { semver: '7.6.3' }, ...extra });

/** A corepack step's last part: the package manager's shims in the toolchain folder (asserted once, below). */
const SHIMS = / && if \[ -d \/opt\/tandem \]; then mkdir -p \/opt\/tandem\/bin && corepack enable --install-directory \/opt\/tandem\/bin (pnpm|yarn); fi$/;
const runs = async (tree: string) =>
  (await planSetup(tree)).steps.map((step) => (step.kind === 'run' ? `${step.label}: ${step.script.replace(SHIMS, '')}` : `${step.label}: skipped`));

describe('JavaScript, detected with package-manager-detector', () => {
  it('npm: ci with a lockfile, install without one', async () => {
    expect(await runs(repo({ 'package.json': pkg(), 'package-lock.json': '{}' }))).toEqual(['Installing with npm (package-lock.json): npm ci']);
    expect(await runs(repo({ 'package.json': pkg({ name: 'x' }) }))).toEqual(['Installing with npm (package.json without a lockfile): npm i --no-package-lock']);
  });

  it('pnpm and yarn through corepack at the version packageManager names; devEngines counts too', async () => {
    // Each puts its shims where sessions' PATH finds them.
    const scripts = (await planSetup(repo({ 'package.json': pkg({ packageManager: 'pnpm@9.12.0' }) }))).steps.map((step) => (step.kind === 'run' ? step.script : ''));
    expect(scripts[0]).toMatch(SHIMS);
    expect(SHIMS.exec(scripts[0]!)?.[1]).toBe('pnpm');
    expect(await runs(repo({ 'package.json': pkg({ packageManager: 'pnpm@9.12.0+sha512.abc' }), 'pnpm-lock.yaml': '' }))).toEqual([
      'Installing with pnpm 9.12.0 (packageManager): corepack pnpm i --frozen-lockfile --store-dir /tmp/tandem-setup/pnpm-store',
    ]);
    expect(await runs(repo({ 'package.json': pkg({ packageManager: 'yarn@1.22.22' }), 'yarn.lock': '' }))).toEqual([
      'Installing with yarn 1.22.22 (packageManager): corepack yarn install --frozen-lockfile',
    ]);
    expect(await runs(repo({ 'package.json': pkg({ packageManager: 'yarn@4.5.0' }), 'yarn.lock': '' }))).toEqual([
      'Installing with yarn (berry) (packageManager): corepack yarn install --immutable',
    ]);
    expect(await runs(repo({ 'package.json': pkg({ devEngines: { packageManager: { name: 'pnpm', version: '10.0.0' } } }) }))).toEqual([
      'Installing with pnpm 10.0.0 (devEngines): corepack pnpm i --no-lockfile --store-dir /tmp/tandem-setup/pnpm-store',
    ]);
    expect(await runs(repo({ 'package.json': pkg(), 'pnpm-lock.yaml': '' }))).toEqual(['Installing with pnpm (pnpm-lock.yaml): corepack pnpm i --frozen-lockfile --store-dir /tmp/tandem-setup/pnpm-store']);
    expect(await runs(repo({ 'package.json': pkg({ packageManager: 'yarn@1.22.22' }) }))).toEqual(['Installing with yarn 1.22.22 (packageManager): corepack yarn install --no-lockfile']);
    expect(await runs(repo({ 'package.json': pkg({ packageManager: 'yarn@4.5.0' }) }))).toEqual(['Installing with yarn (berry) (packageManager): corepack yarn install']);
  });

  it('bun needs bun on the host; a monorepo installs once at the root, whatever its packages hold', async () => {
    const [bun] = (await planSetup(repo({ 'package.json': pkg(), 'bun.lock': '' }))).steps;
    expect(bun).toMatchObject({ kind: 'run', script: 'bun install --frozen-lockfile', tool: { name: 'bun' } });
    const monorepo = repo({
      'package.json': JSON.stringify({ packageManager: 'pnpm@9.12.0', workspaces: ['packages/*'] }),
      'pnpm-workspace.yaml': 'packages: ["packages/*"]',
      'pnpm-lock.yaml': '',
      'packages/a/package.json': '{}',
      'packages/a/package-lock.json': '{}',
    });
    expect(await runs(monorepo)).toEqual(['Installing with pnpm 9.12.0 (packageManager): corepack pnpm i --frozen-lockfile --store-dir /tmp/tandem-setup/pnpm-store']);
  });

  it('nothing to install without dependencies, or when node_modules came with a copied folder', async () => {
    expect(await runs(repo({ 'package.json': '{"name":"x","scripts":{"test":"node --test"}}' }))).toEqual(['Installing with npm: skipped']);
    expect(await runs(repo({ 'package.json': pkg(), 'package-lock.json': '{}', 'node_modules/semver/package.json': '{}' }))).toEqual(['Installing with npm: skipped']);
  });

  it('never reads through a link: a package.json or lockfile that is a link is as good as absent', async () => {
    const outside = repo({ 'package.json': pkg({ packageManager: 'yarn@1.22.22' }) });
    expect(await runs(repo({ 'package.json': { link: path.join(outside, 'package.json') } }))).toEqual([]);
    expect(await runs(repo({ 'package.json': pkg(), 'pnpm-lock.yaml': { link: '/etc/passwd' } }))).toEqual(['Installing with npm (package.json without a lockfile): npm i --no-package-lock']);
  });
});

describe('Python, Go and Cargo', () => {
  it('one Python step: uv, then poetry, then pip with requirements, then pip with an installable pyproject; a venv in the tree', async () => {
    expect(await runs(repo({ 'uv.lock': '', 'poetry.lock': '', 'requirements.txt': '' }))).toEqual(['Installing with uv (uv.lock): uv sync --frozen']);
    expect(await runs(repo({ 'poetry.lock': '', 'requirements.txt': '' }))).toEqual([
      'Installing with poetry (poetry.lock): POETRY_VIRTUALENVS_IN_PROJECT=true poetry install --no-interaction --no-root',
    ]);
    expect(await runs(repo({ 'requirements.txt': 'tinypkg', 'pyproject.toml': '[project]\nname="x"' }))).toEqual([
      'Installing with pip into .venv (requirements.txt): python3 -m venv .venv && .venv/bin/python -m pip install -r requirements.txt',
    ]);
    expect(await runs(repo({ 'pyproject.toml': '[build-system]\nrequires=["setuptools"]' }))).toEqual([
      'Installing with pip into .venv (pyproject.toml): python3 -m venv .venv && .venv/bin/python -m pip install -e .',
    ]);
    // Tool settings only (ruff, black): nothing to install.
    expect(await runs(repo({ 'pyproject.toml': '[tool.ruff]\nline-length = 100' }))).toEqual([]);
  });

  it('go mod download and cargo fetch, each needing its tool; a polyglot repo gets every step in order', async () => {
    expect(await runs(repo({ 'package.json': pkg(), 'package-lock.json': '{}', 'requirements.txt': '', 'go.mod': 'module x', 'Cargo.toml': '' }))).toEqual([
      'Installing with npm (package-lock.json): npm ci',
      'Installing with pip into .venv (requirements.txt): python3 -m venv .venv && .venv/bin/python -m pip install -r requirements.txt',
      'Downloading Go modules (go.mod): go mod download',
      'Fetching crates (Cargo.toml): cargo fetch',
    ]);
    expect(decideDetectedSteps({ files: new Set(['go.mod']), javascript: null, nodeModulesCopied: false, pyproject: null })).toEqual([
      expect.objectContaining({ tool: expect.objectContaining({ name: 'go', provide: expect.stringContaining('https://go.dev/doc/install') }) }),
    ]);
  });
});

describe('environment files the team keeps come before detection', () => {
  const devcontainer = { '.devcontainer/devcontainer.json': '{ // comment\n "postCreateCommand": "make deps" }' };
  const cursor = { '.cursor/environment.json': '{ "install": "./install.sh" }' };
  const openinspect = { '.openinspect/setup.sh': 'echo hi' };
  const copilot = { '.github/workflows/copilot-setup-steps.yml': 'jobs:\n  copilot-setup-steps:\n    steps:\n      - run: make copilot\n' };
  const packageJson = { 'package.json': pkg(), 'package-lock.json': '{}' };

  it('in order: devcontainer, Cursor, Open-Inspect, Copilot; the plan names the file it follows', async () => {
    expect(await planSetup(repo({ ...packageJson, ...devcontainer, ...cursor, ...openinspect, ...copilot }))).toMatchObject({
      source: { kind: 'file', path: '.devcontainer/devcontainer.json' },
      steps: [{ script: 'make deps' }],
    });
    expect(await planSetup(repo({ ...packageJson, '.devcontainer.json': '{ "onCreateCommand": ["make", "deps"] }', ...cursor }))).toMatchObject({
      source: { kind: 'file', path: '.devcontainer.json' },
      steps: [{ label: 'onCreateCommand (.devcontainer.json)', script: 'make deps' }],
    });
    expect((await planSetup(repo({ ...packageJson, ...cursor, ...openinspect, ...copilot }))).source).toEqual({ kind: 'file', path: '.cursor/environment.json' });
    expect(await planSetup(repo({ ...packageJson, ...openinspect, ...copilot }))).toMatchObject({
      source: { kind: 'file', path: '.openinspect/setup.sh' },
      steps: [{ script: 'bash .openinspect/setup.sh' }],
    });
    expect(await planSetup(repo({ ...packageJson, ...copilot }))).toMatchObject({ source: { kind: 'file', path: '.github/workflows/copilot-setup-steps.yml' }, steps: [{ script: 'make copilot' }] });
  });

  it('a file with no command, a broken file or a link is noted and passed over', async () => {
    const plan = await planSetup(
      repo({
        ...packageJson,
        '.devcontainer/devcontainer.json': '{ "image": "node:20" }',
        '.cursor/environment.json': '{ "install": ',
        '.openinspect/setup.sh': { link: '/etc/shadow' },
      }),
    );
    expect(plan.source).toEqual({ kind: 'detected' });
    expect(plan.steps).toHaveLength(1);
    expect(plan.notes).toEqual([
      '.devcontainer/devcontainer.json names no setup command',
      expect.stringMatching(/^\.cursor\/environment\.json not followed: not valid JSON/),
      expect.stringMatching(/^\.openinspect\/setup\.sh not followed: /),
    ]);
    // A folder that is a link out of the tree is never entered either.
    const outside = repo(devcontainer);
    expect((await planSetup(repo({ ...packageJson, '.devcontainer': { link: path.join(outside, '.devcontainer') } }))).source).toEqual({ kind: 'detected' });
  });
});

describe('the executor’s pieces', () => {
  it('a step checks for its tool first and reports it missing with how to provide it; corepack steps record their version', () => {
    const script = stepScript({ kind: 'run', label: 'x', script: 'corepack pnpm i', tool: { name: 'corepack', provide: 'install it' }, versionOf: { name: 'pnpm', command: 'corepack pnpm --version' } });
    expect(script).toContain("if ! command -v corepack >/dev/null 2>&1; then echo 'tandem-setup-missing: corepack is not installed on this server: install it'; exit 127; fi");
    // Caches stay in the setup sandbox's /tmp; corepack's home is the toolchain folder the sandbox sets (sessions read it too).
    expect(script).toContain("npm_config_cache='/tmp/tandem-setup/npm'");
    expect(script).not.toContain('COREPACK_HOME');
    expect(script).toMatch(/\{\ncorepack pnpm i\n\} && printf 'tandem-toolchain %s %s\\n' pnpm "\$\(corepack pnpm --version/);
  });

  it('reads tool versions from the probe', () => {
    expect(parseToolchainVersions('tandem-toolchain node v20.20.2\nnoise\ntandem-toolchain python3 Python 3.11.2\n')).toEqual({ node: 'v20.20.2', python3: 'Python 3.11.2' });
  });
});
