import { describe, expect, it } from 'vitest';
import { dependencyFilesAmong, namePaths, parseWorkspaceUpdate, workspaceUpdateScript } from './workspace-update.js';

const SHA = 'a'.repeat(40);

describe('what the update script says', () => {
  it('reads an update with its changed paths, and each refusal with its files', () => {
    expect(parseWorkspaceUpdate(`noise\ntandem-update: fast-forward ${SHA}\ntandem-path: a.txt\ntandem-path: dir/b.txt\n`)).toEqual({ kind: 'fast-forward', head: SHA, changed: ['a.txt', 'dir/b.txt'] });
    expect(parseWorkspaceUpdate('tandem-update: conflict\ntandem-path: shared.txt\n')).toEqual({ kind: 'conflict', paths: ['shared.txt'] });
    expect(parseWorkspaceUpdate('tandem-update: local-changes\ntandem-path: x\n')).toEqual({ kind: 'local-changes', paths: ['x'] });
    expect(parseWorkspaceUpdate('tandem-update: failed git could not take the commits: bad\n')).toEqual({ kind: 'failed', reason: 'git could not take the commits: bad' });
  });

  it('never takes output without its line, or a success without a commit, for a success', () => {
    expect(parseWorkspaceUpdate('').kind).toBe('failed');
    expect(parseWorkspaceUpdate('tandem-update: merged not-a-sha\n').kind).toBe('failed');
    expect(parseWorkspaceUpdate('tandem-update: rm -rf\n').kind).toBe('failed');
  });
});

it('names the dependency files among the changed ones, at any depth', () => {
  expect(dependencyFilesAmong(['src/a.ts', 'package.json', 'packages/web/pnpm-lock.yaml', 'docs/package.json.md'])).toEqual(['package.json', 'packages/web/pnpm-lock.yaml']);
  expect(namePaths(['a', 'b', 'c'], 2)).toBe('a, b and 1 more');
});

it('takes only a full commit sha into its text; the person and message come through the environment', () => {
  expect(() => workspaceUpdateScript('HEAD; rm -rf /')).toThrow();
  const script = workspaceUpdateScript(SHA);
  expect(script).toContain(`target='${SHA}'`);
  expect(script).toContain('"$UPDATE_AUTHOR_NAME"');
});
