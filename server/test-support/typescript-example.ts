import { execFileSync } from 'node:child_process';
import { cp, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { makeTempDir } from './test-server.js';

/** The bundled TypeScript example: lint (ESLint + typescript-eslint) and typecheck (tsc) scripts, no node_modules. */
export const TYPESCRIPT_EXAMPLE_REPO = path.resolve('examples/hello-typescript');
/** The packages the example's checks need, as its package.json devDependencies name them. */
const TOOLCHAIN_PACKAGES = ['eslint', '@eslint/js', 'typescript', 'typescript-eslint'] as const;
const BINARIES: Record<string, string> = { eslint: '../eslint/bin/eslint.js', tsc: '../typescript/bin/tsc' };

const lockSchema = z.object({
  packages: z.record(z.string(), z.object({ dependencies: z.record(z.string(), z.string()).optional(), peerDependencies: z.record(z.string(), z.string()).optional() }).passthrough()),
});

/**
 * Every package folder (`node_modules/…`, nested ones included) that `roots` need, resolved the way
 * node does: a dependency of `node_modules/a/node_modules/b` is looked for beside b, then beside a,
 * then at the top. Read from the project's package-lock.json, so nothing is fetched.
 */
function dependencyClosure(lock: z.infer<typeof lockSchema>, roots: readonly string[]): string[] {
  const found = new Set<string>();
  const resolve = (from: string, name: string): string | undefined => {
    for (let base = from; ; ) {
      const candidate = `${base ? `${base}/` : ''}node_modules/${name}`;
      if (lock.packages[candidate]) return candidate;
      if (!base) return undefined;
      const cut = base.lastIndexOf('/node_modules/');
      base = cut < 0 ? '' : base.slice(0, cut);
    }
  };
  const queue = roots.map((name) => `node_modules/${name}`);
  while (queue.length > 0) {
    const location = queue.pop()!;
    if (found.has(location)) continue;
    found.add(location);
    const entry = lock.packages[location]!;
    for (const name of Object.keys({ ...entry.dependencies, ...entry.peerDependencies })) {
      const resolved = resolve(location, name);
      if (resolved) queue.push(resolved); // an optional peer that is not installed is simply absent
    }
  }
  // A nested folder is copied with its parent; only outermost ones are copied.
  return [...found].filter((location) => ![...found].some((other) => other !== location && location.startsWith(`${other}/`))).sort();
}

/**
 * Installs the example's toolchain into `repoDir/node_modules` by copying it from this project's own
 * node_modules (same versions, no network): sandboxes see only their workspace, never /work/main.
 */
export async function provideToolchain(repoDir: string, projectDir = process.cwd()): Promise<void> {
  const lock = lockSchema.parse(JSON.parse(await readFile(path.join(projectDir, 'package-lock.json'), 'utf8')));
  for (const location of dependencyClosure(lock, TOOLCHAIN_PACKAGES)) {
    await cp(path.join(projectDir, location), path.join(repoDir, location), { recursive: true, verbatimSymlinks: true });
  }
  await mkdir(path.join(repoDir, 'node_modules/.bin'), { recursive: true });
  for (const [name, target] of Object.entries(BINARIES)) await symlink(target, path.join(repoDir, 'node_modules/.bin', name));
}

/** A temporary git copy of the TypeScript example (plus `extraFiles`) with its toolchain in node_modules (ignored by git), committed on `main`. */
export async function typescriptExampleRepo(extraFiles: Record<string, string> = {}): Promise<{ dir: string; parent: string }> {
  const parent = await makeTempDir('ts-example');
  const dir = path.join(parent, 'hello-typescript');
  await cp(TYPESCRIPT_EXAMPLE_REPO, dir, { recursive: true, filter: (source) => !source.split(path.sep).includes('node_modules') });
  await provideToolchain(dir);
  for (const [file, text] of Object.entries(extraFiles)) await writeFile(path.join(dir, file), text);
  const git = (...args: string[]) => execFileSync('git', ['-C', dir, '-c', 'user.name=Origin', '-c', 'user.email=origin@example.com', ...args], { encoding: 'utf8' });
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-q', '-m', 'start');
  return { dir, parent };
}
