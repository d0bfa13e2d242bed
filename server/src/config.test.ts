import { describe, expect, it } from 'vitest';
import { DEFAULT_PORT, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('runs on embedded defaults with an empty environment', () => {
    const config = loadConfig({});
    expect(config.port).toBe(DEFAULT_PORT);
    expect(config.database.kind).toBe('pglite');
    expect(config.sandbox.provider).toBe('local');
  });
  it('uses PostgreSQL when DATABASE_URL is set, and treats an empty one as unset', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://u@h/db' }).database).toEqual({ kind: 'postgres', url: 'postgres://u@h/db' });
    expect(loadConfig({ DATABASE_URL: '' }).database.kind).toBe('pglite');
  });
  it('reads TANDEM_REPO_ROOTS as a comma list where an empty entry allows nothing (not the cwd)', () => {
    expect(loadConfig({ TANDEM_REPO_ROOTS: '/srv/repos, ,/home/ada/code,' }).sandbox.repoRoots).toEqual(['/srv/repos', '/home/ada/code']);
    expect(loadConfig({ TANDEM_REPO_ROOTS: ',' }).sandbox.repoRoots).toEqual([]);
  });
  it('reads sandbox sizes in MB and a cgroup parent; the provider’s defaults fill what is not named', () => {
    const mib = 1024 * 1024;
    expect(loadConfig({ TANDEM_SANDBOX_MEMORY_MB: '4096', TANDEM_SANDBOX_DISK_MB: '512', TANDEM_SANDBOX_CGROUP: '/tandem.slice' }).sandbox).toMatchObject({
      limits: { memoryBytes: 4096 * mib, workspaceBytes: 512 * mib },
      cgroupParent: '/tandem.slice',
    });
    expect(loadConfig({}).sandbox.limits).toEqual({});
    expect(() => loadConfig({ TANDEM_SANDBOX_MEMORY_MB: '8' })).toThrow(/TANDEM_SANDBOX_MEMORY_MB.*at least 64 MB/);
    expect(() => loadConfig({ TANDEM_SANDBOX_CGROUP: 'tandem' })).toThrow(/TANDEM_SANDBOX_CGROUP is a cgroup path/);
  });
  it('names the variable that is wrong and what to do', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL must start with postgres/);
    expect(() => loadConfig({ TANDEM_SANDBOX: 'e2b' })).toThrow(/E2B_API_KEY/);
  });
});
