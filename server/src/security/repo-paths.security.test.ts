import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { IdentityResponse } from '@tandem/shared/protocol/http.js';
import { createSessionsRepository } from '../db/repositories/sessions.js';
import type { RunningServer } from '../server.js';
import {
  commandSmugglingRepos,
  createGitRepo,
  createRepoPathWorld,
  fileUrlOf,
  HOST_DIR_MODE,
  HOST_SECRET_MODE,
  HOST_SECRET_TEXT,
  plantHarmlessRepo,
  plantLinkToDataDir,
  plantRepoLinkingToHost,
  plantSymlinkEscape,
  swapRepoForLink,
  type RepoPathWorld,
} from '../../test-support/attacks/repo-paths.js';
import { apiClient, startTestServer } from '../../test-support/test-server.js';

/**
 * Repo paths escape the allowed roots (issue 9): a session's repo string and the links in its tree
 * must never get a sandbox anything outside TANDEM_REPO_ROOTS, nor anything of the data dir, nor
 * change a host file's mode. Real server, real snapshots, real bwrap sandboxes.
 */
let world: RepoPathWorld;
let server: RunningServer;
let api: ReturnType<typeof apiClient>;
let ada: IdentityResponse;

beforeAll(async () => {
  world = await createRepoPathWorld();
  server = await startTestServer(world.dataDir, { sandboxes: true }, 0, (config) => ({
    ...config,
    sandbox: { ...config.sandbox, warmPoolSize: 0, repoRoots: [world.allowedRoot] },
  }));
  api = apiClient(server.url);
  ada = await api.identity('Ada');
}, 180_000);

beforeEach(async () => {
  await world.restoreHost();
});

afterAll(async () => {
  await server?.close();
  await world?.dispose();
});

const OUTSIDE_ROOTS = /outside the allowed repo roots.*TANDEM_REPO_ROOTS/s;
const DATA_DIR = /Tandem's data dir.*never be a repo/s;
const SMUGGLED = /option|transport/;

/** Every attack on the repo string, with the refusal it must meet. */
const attacks: Array<{ name: string; repo: () => Promise<string>; refusal: RegExp }> = [
  { name: 'a link under the root to a host folder', repo: () => plantSymlinkEscape(world, `escape-${randomBytes(3).toString('hex')}`), refusal: OUTSIDE_ROOTS },
  { name: 'a file:// URL of a repo outside the roots', repo: async () => fileUrlOf(world.hostRepo), refusal: OUTSIDE_ROOTS },
  { name: 'the data dir', repo: async () => world.dataDir, refusal: DATA_DIR },
  { name: 'a folder inside the data dir', repo: async () => path.join(world.dataDir, 'snapshots'), refusal: DATA_DIR },
  { name: 'a parent of the data dir (the root itself)', repo: async () => world.allowedRoot, refusal: DATA_DIR },
  { name: 'a link under the root to the data dir', repo: () => plantLinkToDataDir(world, `data-${randomBytes(3).toString('hex')}`), refusal: DATA_DIR },
  { name: 'a file:// URL of the data dir', repo: async () => fileUrlOf(world.dataDir), refusal: DATA_DIR },
  ...commandSmugglingRepos('MARKER').map(({ name, repo }) => ({ name, repo: async () => repo.replace('MARKER', world.commandMarker), refusal: SMUGGLED })),
];

async function snapshotIds(): Promise<string[]> {
  const dir = path.join(world.dataDir, 'snapshots');
  return existsSync(dir) ? (await readdir(dir)).sort() : [];
}

async function expectHostUntouched(): Promise<void> {
  expect(await world.hostModes()).toEqual({ dir: HOST_DIR_MODE, secret: HOST_SECRET_MODE });
  expect(existsSync(world.commandMarker)).toBe(false);
}

describe('a session cannot name a repo outside the allowed roots, in the data dir, or one git would run', () => {
  it.each(attacks)('$name: creating the session is a 400 that says what is allowed', async ({ repo, refusal }) => {
    const response = await api.call<{ error: { code: string; message: string } }>('POST', '/sessions', ada.token, { title: 'Attack', repo: await repo() });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('bad_request');
    expect(response.body.error.message).toMatch(refusal);
    await expectHostUntouched();
  });

  it.each(attacks)('$name: a session stored with it anyway (before this check, or changed since) boots nothing', async ({ repo, refusal }) => {
    const repoString = await repo();
    const sessionId = `s_attack_${randomBytes(4).toString('hex')}`;
    await createSessionsRepository(server.database.db).create({ id: sessionId, title: 'Stored attack', repo: repoString, ownerId: ada.user.id });
    const before = await snapshotIds();
    await expect(server.runtime!.ensureStarted(sessionId)).rejects.toThrow(refusal);
    // Nothing of it was copied or cloned, and no host file changed.
    expect(await snapshotIds()).toEqual(before);
    await expectHostUntouched();
  });
});

describe('a repo that is fine at create time is checked again when its sandbox boots', () => {
  it('replaced by a link to a host folder after create: refused at boot, even with a snapshot of it on hand', async () => {
    const repo = await plantHarmlessRepo(world, 'swapped-later');
    const created = await api.call<{ session: { id: string } }>('POST', '/sessions', ada.token, { title: 'Fine at first', repo });
    expect(created.status).toBe(201);
    await server.runtime!.ensureStarted(created.body.session.id);
    await server.runtime!.stop(created.body.session.id);

    await swapRepoForLink(repo, world.hostDir);
    await expect(server.runtime!.ensureStarted(created.body.session.id)).rejects.toThrow(OUTSIDE_ROOTS);
    await expectHostUntouched();
  });
});

describe('what stays allowed', () => {
  it('a file:// URL inside the roots is cloned, committed files only', async () => {
    const repo = path.join(world.allowedRoot, 'cloned-by-url');
    await createGitRepo(repo, { 'README.md': 'cloned by file URL\n' });
    const created = await api.call<{ session: { id: string } }>('POST', '/sessions', ada.token, { title: 'By URL', repo: fileUrlOf(repo) });
    expect(created.status).toBe(201);
    const live = await server.runtime!.ensureStarted(created.body.session.id);
    expect((await live.sandbox.exec('cat README.md')).stdout).toBe('cloned by file URL\n');
    await server.runtime!.stop(created.body.session.id);
  });

  it('links in a repo (and links its setup script makes) stay links; no host file changes mode; the sandbox cannot read through them', async () => {
    const repo = await plantRepoLinkingToHost(world);
    const created = await api.call<{ session: { id: string } }>('POST', '/sessions', ada.token, { title: 'Links', repo });
    expect(created.status).toBe(201);
    const live = await server.runtime!.ensureStarted(created.body.session.id);
    await expectHostUntouched();
    for (const link of ['link-to-secret', 'link-to-host-dir', 'made-by-setup-to-secret', 'made-by-setup-to-host-dir']) {
      const result = await live.sandbox.exec(`test -L ${link} && readlink ${link} && cat ${link}/. ${link} 2>/dev/null`);
      expect(result.stdout.trim().split('\n')[0]).toMatch(/^\/.*(secret\.txt|host)$/);
      expect(result.stdout).not.toContain(HOST_SECRET_TEXT);
    }
    await server.runtime!.stop(created.body.session.id);
  });
});
