import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { SandboxError } from '../provider.js';

/**
 * Resolves a workspace-relative path to a host path and refuses anything that lands outside the
 * workspace, through `..` or through a symlink the sandbox planted.
 */
export async function resolveInside(rootDir: string, relativePath: string): Promise<string> {
  const candidate = path.resolve(rootDir, relativePath.replace(/^\/+/, ''));
  const inside = (target: string) => target === rootDir || target.startsWith(`${rootDir}${path.sep}`);
  if (!inside(candidate)) throw new SandboxError(`${relativePath} is outside the workspace`, 'outside-workspace');
  // The deepest existing ancestor must also resolve inside (a symlinked directory could point out).
  let existing = candidate;
  for (;;) {
    try {
      const real = await realpath(existing);
      if (!inside(real)) throw new SandboxError(`${relativePath} is outside the workspace`, 'outside-workspace');
      return candidate;
    } catch (error) {
      if (error instanceof SandboxError) throw error;
      const parent = path.dirname(existing);
      if (parent === existing) return candidate;
      existing = parent;
    }
  }
}
