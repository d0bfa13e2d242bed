import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readMeta, readTranscript } from '@tandem/shared/doc/accessors.js';
import type { ChangeSessionResponse, IdentityResponse, SandboxStartResponse, SessionResponse } from '@tandem/shared/protocol/http.js';
import { serverForFile, type ServerForFile } from '../../test-support/server-per-file.js';
import { connectPeer, waitFor, waitForSync, type TestPeer } from '../../test-support/test-server.js';

/**
 * A session whose sandbox failed to start can be started again (issue 10): an editor retries once the
 * repo is fixed, the owner points it at another repo. Real server, real snapshots, real bwrap sandboxes.
 */
const reposRoot = mkdtempSync(path.join(os.tmpdir(), 'tandem-retry-repos-'));
chmodSync(reposRoot, 0o755);
afterAll(() => rmSync(reposRoot, { recursive: true, force: true }));

const shared: ServerForFile = serverForFile('sandbox-retry', { sandboxes: true }, (config) => ({
  ...config,
  sandbox: { ...config.sandbox, warmPoolSize: 0, repoRoots: [...config.sandbox.repoRoots, reposRoot] },
}));

/** Booting a sandbox over a fresh snapshot (setup script included) on a loaded 2-core machine. */
const BOOT_TIMEOUT_MS = 60_000;

/** A plain folder under the allowed root whose .tandem/setup.sh ends with `exit <code>`. */
async function repoWithSetup(name: string, exitCode: number): Promise<string> {
  const repo = path.join(reposRoot, name);
  await mkdir(path.join(repo, '.tandem'), { recursive: true });
  await writeFile(path.join(repo, 'README.md'), `# ${name}\n`);
  await setSetupExit(repo, exitCode);
  return repo;
}
const setSetupExit = (repo: string, exitCode: number) =>
  writeFile(path.join(repo, '.tandem', 'setup.sh'), `echo "setting up ${path.basename(repo)}"\nexit ${exitCode}\n`);

interface People {
  sessionId: string;
  ada: IdentityResponse;
  bob: IdentityResponse;
  vic: IdentityResponse;
  tab: TestPeer;
}

/** Ada's session on `repo`, Bob an editor and Vic a viewer by link, watched from Ada's tab. */
async function sessionOn(repo: string, title: string): Promise<People> {
  const { api } = shared;
  const [ada, bob, vic] = (await Promise.all(['Ada', 'Bob', 'Vic'].map((name) => api.identity(name)))) as [IdentityResponse, IdentityResponse, IdentityResponse];
  const sessionId = await api.createSession(ada.token, title, repo);
  await api.join(bob.token, (await api.share(ada.token, sessionId, 'editor')).token);
  await api.join(vic.token, (await api.share(ada.token, sessionId, 'viewer')).token);
  const tab = connectPeer(shared.server.url, sessionId, ada.token);
  shared.peers.push(tab);
  await waitForSync(tab);
  return { sessionId, ada, bob, vic, tab };
}

const sandboxState = (people: People) => readMeta(people.tab.doc).sandboxState;
const notices = (people: People) => readTranscript(people.tab.doc).flatMap((entry) => (entry.kind === 'system-notice' ? [entry.text] : []));
const waitForState = (people: People, state: 'failed' | 'ready', what: string) => waitFor(() => sandboxState(people) === state, what, BOOT_TIMEOUT_MS);

describe('a session whose setup script fails', { timeout: 2 * BOOT_TIMEOUT_MS }, () => {
  it('is failed, says why and what to do; a reload does not run the script again', async () => {
    const repo = await repoWithSetup('fails-once', 1);
    const people = await sessionOn(repo, 'Broken setup');
    await waitForState(people, 'failed', 'the sandbox to fail');
    expect(readMeta(people.tab.doc).sandboxMessage).toMatch(/\.tandem\/setup\.sh failed \(exit 1\)[\s\S]*setting up fails-once/);
    const notice = notices(people).find((text) => text.startsWith('The sandbox could not start'));
    expect(notice).toContain('Try again');
    expect(notice).not.toContain('reload');

    // Opening the page again leaves it failed until someone with the right retries.
    expect((await shared.api.call('GET', `/sessions/${people.sessionId}`, people.vic.token)).status).toBe(200);
    expect(shared.server.runtime!.sandboxStatus(people.sessionId)).toBe('failed');
  });

  it('a viewer cannot retry, an editor cannot change the repo, and a bad repo changes nothing', async () => {
    const repo = await repoWithSetup('refusals', 1);
    const people = await sessionOn(repo, 'Refusals');
    await waitForState(people, 'failed', 'the sandbox to fail');
    const { api } = shared;
    const route = `/sessions/${people.sessionId}`;

    const viewerRetry = await api.call<{ error: { code: string } }>('POST', `${route}/sandbox/retry`, people.vic.token);
    expect(viewerRetry).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });
    const editorChange = await api.call<{ error: { code: string } }>('PATCH', route, people.bob.token, { repo: path.resolve('examples/hello-tandem') });
    expect(editorChange).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });

    // The same refusal, in the same words, as creating a session with that repo.
    const outside = '/usr/share';
    const atCreate = await api.call<{ error: { message: string } }>('POST', '/sessions', people.ada.token, { title: 'Outside', repo: outside });
    const badChange = await api.call<{ error: { code: string; message: string } }>('PATCH', route, people.ada.token, { repo: outside });
    expect(atCreate.status).toBe(400);
    expect(badChange).toMatchObject({ status: 400, body: { error: { code: 'bad_request', message: atCreate.body.error.message } } });
    expect(badChange.body.error.message).toMatch(/outside the allowed repo roots/);
    // A body that is not just a repo is refused by its schema.
    expect((await api.call('PATCH', route, people.ada.token, { repo: '' })).status).toBe(400);
    expect((await api.call('PATCH', route, people.ada.token, { repo, title: 'Renamed' })).status).toBe(400);

    // Nothing changed: the store, the doc, the sandbox, the transcript.
    expect((await api.call<SessionResponse>('GET', route, people.ada.token)).body.session.repo).toBe(repo);
    expect(readMeta(people.tab.doc).repo).toBe(repo);
    expect(shared.server.runtime!.sandboxStatus(people.sessionId)).toBe('failed');
    expect(sandboxState(people)).toBe('failed');
    expect(notices(people).filter((text) => /retried|changed the repo/.test(text))).toEqual([]);
  });

  it('once the script is fixed, an editor’s retry gives a ready sandbox, said in the transcript under their name', async () => {
    const repo = await repoWithSetup('fixed-later', 1);
    const people = await sessionOn(repo, 'Fixed later');
    await waitForState(people, 'failed', 'the sandbox to fail');
    await setSetupExit(repo, 0);

    const retried = await shared.api.call<SandboxStartResponse>('POST', `/sessions/${people.sessionId}/sandbox/retry`, people.bob.token);
    expect(retried).toEqual({ status: 202, body: { sandbox: 'starting' } });
    await waitFor(() => notices(people).includes('Bob retried starting the sandbox'), 'the retry in the transcript');
    await waitForState(people, 'ready', 'the sandbox to be ready');
    expect(readMeta(people.tab.doc).timings.terminalReadyAt).toBeGreaterThan(0);
    const live = await shared.server.runtime!.ensureStarted(people.sessionId);
    expect((await live.sandbox.exec('cat README.md')).stdout).toBe('# fixed-later\n');

    // A second retry on a running sandbox does nothing; changing the repo now is a conflict.
    const again = await shared.api.call<SandboxStartResponse>('POST', `/sessions/${people.sessionId}/sandbox/retry`, people.ada.token);
    expect(again).toEqual({ status: 200, body: { sandbox: 'running' } });
    const change = await shared.api.call('PATCH', `/sessions/${people.sessionId}`, people.ada.token, { repo });
    expect(change.status).toBe(409);
    expect(notices(people).filter((text) => text.includes('retried'))).toEqual(['Bob retried starting the sandbox']);
  });

  it('the owner points it at a good repo: stored, mirrored in the doc, and started there', async () => {
    const broken = await repoWithSetup('broken-for-good', 1);
    const good = await repoWithSetup('the-good-one', 0);
    const people = await sessionOn(broken, 'Another repo');
    await waitForState(people, 'failed', 'the sandbox to fail');

    const changed = await shared.api.call<ChangeSessionResponse>('PATCH', `/sessions/${people.sessionId}`, people.ada.token, { repo: good });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ session: { id: people.sessionId, repo: good, role: 'owner' }, sandbox: 'starting' });
    expect((await shared.api.call<SessionResponse>('GET', `/sessions/${people.sessionId}`, people.bob.token)).body.session.repo).toBe(good);
    await waitFor(() => readMeta(people.tab.doc).repo === good, 'the doc to show the new repo');
    expect(notices(people)).toContain(`Ada changed the repo from ${broken} to ${good} and started the sandbox`);
    await waitForState(people, 'ready', 'the sandbox to be ready on the new repo');
    const live = await shared.server.runtime!.ensureStarted(people.sessionId);
    expect((await live.sandbox.exec('cat README.md')).stdout).toBe('# the-good-one\n');
  });

  it('an ended session is neither retried nor moved', async () => {
    const repo = await repoWithSetup('ended', 1);
    const people = await sessionOn(repo, 'Ended');
    await waitForState(people, 'failed', 'the sandbox to fail');
    expect((await shared.api.call('POST', `/sessions/${people.sessionId}/end`, people.ada.token)).status).toBe(200);
    expect((await shared.api.call('POST', `/sessions/${people.sessionId}/sandbox/retry`, people.bob.token)).status).toBe(409);
    expect((await shared.api.call('PATCH', `/sessions/${people.sessionId}`, people.ada.token, { repo })).status).toBe(409);
  });
});
