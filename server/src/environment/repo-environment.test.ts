import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseRepoEnvironment, readRepoEnvironment, RepoEnvironmentError } from './repo-environment.js';

const made: string[] = [];
afterAll(async () => {
  await Promise.all(made.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function treeWith(content: string | null): Promise<string> {
  const tree = await mkdtemp(path.join(tmpdir(), 'tandem-env-'));
  made.push(tree);
  if (content !== null) {
    await mkdir(path.join(tree, '.tandem'));
    await writeFile(path.join(tree, '.tandem/environment.json'), content);
  }
  return tree;
}

describe('a repo environment file', () => {
  it('reads hosts, services and secrets, with the hash of its exact text', async () => {
    const text = JSON.stringify({
      network: { setup: ['registry.npmjs.org'], session: ['*.Example.com:8443'] },
      services: [{ name: 'db', command: 'postgres -D data', ready: { port: 5432 }, env: { PGDATA: 'data' } }],
      secrets: { session: ['NPM_TOKEN'] },
    });
    const read = await readRepoEnvironment(await treeWith(text));
    expect(read?.environment.network?.session).toEqual(['*.example.com:8443']);
    expect(read?.environment.services?.[0]?.ready).toEqual({ port: 5432 });
    expect(read?.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(parseRepoEnvironment(`${text} `).hash).not.toBe(read?.hash);
  });

  it('is absent when the repo has none', async () => {
    expect(await readRepoEnvironment(await treeWith(null))).toBeNull();
  });

  it('says where and what is wrong', () => {
    expect(() => parseRepoEnvironment('{"network":{"session":["http://x.com"]}}')).toThrow(/environment\.json at network\.session\[0\]: expected a host name/);
    expect(() => parseRepoEnvironment('{"services":[{"name":"db","command":"x","ready":{}}]}')).toThrow(/at services\[0\]\.ready/);
    expect(() => parseRepoEnvironment('{"netwrk":{}}')).toThrow(RepoEnvironmentError);
    expect(() => parseRepoEnvironment('{"network":{"session":["10.0.0.1"]}}')).toThrow(/IP addresses/);
    expect(() => parseRepoEnvironment('{"network":{"session":["a.com:70000"]}}')).toThrow(/port/);
    expect(() => parseRepoEnvironment('not json')).toThrow(/not valid JSON/);
  });

  it('never follows a link the repo planted', async () => {
    const outside = await treeWith('{"network":{"session":["evil.com"]}}');
    const tree = await treeWith(null);
    await symlink(path.join(outside, '.tandem'), path.join(tree, '.tandem'));
    await expect(readRepoEnvironment(tree)).rejects.toThrow(/symbolic link/);
  });
});
