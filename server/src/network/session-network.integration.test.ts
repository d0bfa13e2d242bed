import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { chmod, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNetworkDenials } from '@tandem/shared/doc/accessors.js';
import type { EnvironmentApprovalResponse, NetworkAttemptsResponse } from '@tandem/shared/protocol/network.js';
import { serverForFile } from '../../test-support/server-per-file.js';
import { connectPeer, waitFor, waitForSync } from '../../test-support/test-server.js';
import { waitForAsync } from '../../test-support/wait.js';
import { createTestResolver } from './host-resolver.js';

/**
 * The session side of the network policy, through a real server and real sandboxes: a repo's own
 * widening is ignored until its owner approves that exact file, and again once the file changes;
 * an editor opens a host for the session; every attempt is in the record and refusals are in the doc.
 */

const repoRoot = mkdtempSync(path.join(os.tmpdir(), 'tandem-network-repos-'));
const HOST_SERVER_BODY = 'hello from allowed.test';
const SNAPSHOT_REBUILD_MS = 4_000;
let hostServer: Server;
let hostPort = 0;

function makeRepo(name: string, sessionHosts: string[]): string {
  const repo = path.join(repoRoot, name);
  mkdirSync(path.join(repo, '.tandem'), { recursive: true });
  writeFileSync(path.join(repo, 'README.md'), `# ${name}\n`);
  writeFileSync(path.join(repo, '.tandem/environment.json'), `${JSON.stringify({ network: { session: sessionHosts } }, null, 2)}\n`);
  return repo;
}
const firstRepo = makeRepo('widening', ['allowed.test']);
const changedRepo = makeRepo('widening-changed', ['allowed.test', 'other.test']);
// Its setup script tries the host's PostgreSQL: refused, and in the record of every session of the repo.
writeFileSync(path.join(changedRepo, '.tandem/setup.sh'), "curl -s -m 10 -o /dev/null --noproxy '' http://127.0.0.1:5432/ || true\n");

// The resolver hook: `allowed.test` and `other.test` are the local test server; everything else is the production resolver.
const targets = new Map<string, { address: string; port: number }>();
const context = serverForFile('network', { sandboxes: true, networkResolver: createTestResolver(targets) }, (config) => ({
  ...config,
  // Snapshots older than this are rebuilt when a session starts: a changed environment file reaches the next session.
  sandbox: { ...config.sandbox, warmPoolSize: 0, snapshotRebuildIntervalMs: SNAPSHOT_REBUILD_MS, repoRoots: [...config.sandbox.repoRoots, repoRoot] },
}));

beforeAll(async () => {
  await chmod(repoRoot, 0o755);
  hostServer = createServer((_request, response) => response.end(`${HOST_SERVER_BODY}\n`));
  await new Promise<void>((resolve) => hostServer.listen(0, '127.0.0.1', resolve));
  hostPort = (hostServer.address() as AddressInfo).port;
  targets.set('allowed.test', { address: '127.0.0.1', port: hostPort });
  targets.set('other.test', { address: '127.0.0.1', port: hostPort });
});
afterAll(async () => {
  hostServer?.close();
  await rm(repoRoot, { recursive: true, force: true });
});

const fetchThroughProxy = (host: string) => `curl -s -m 10 -w ' %{http_code}' http://${host}/ | tr '\\n' ' '`;

async function call<T>(method: string, route: string, token: string, body?: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(`${context.server.url}${route}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as T };
}

describe("a session's network", () => {
  it("ignores the repo's widening until the owner approves that exact file, then allows it", async () => {
    const ada = await context.api.identity('Ada');
    const bob = await context.api.identity('Bob');
    const sessionId = await context.api.createSession(ada.token, 'network approval', firstRepo);
    await context.api.join(bob.token, (await context.api.share(ada.token, sessionId, 'editor')).token);
    const live = await context.server.runtime!.ensureStarted(sessionId);
    const tab = connectPeer(context.server.url, sessionId, ada.token);
    context.peers.push(tab);
    await waitForSync(tab);

    expect((await live.sandbox.exec(fetchThroughProxy('allowed.test'))).stdout).toMatch(/allowed\.test:80 is not in this session's network policy.* 403$/);
    const before = await call<EnvironmentApprovalResponse>('GET', `/api/sessions/${sessionId}/environment/approval`, ada.token);
    expect(before.body).toMatchObject({ approved: false, canApprove: true, network: { session: ['allowed.test'] } });
    // Only the owner approves; a stale hash is refused.
    expect((await call('POST', `/api/sessions/${sessionId}/environment/approval`, bob.token, { hash: before.body.file!.hash })).status).toBe(403);
    expect((await call('POST', `/api/sessions/${sessionId}/environment/approval`, ada.token, { hash: '0'.repeat(64) })).status).toBe(409);
    const approved = await call<EnvironmentApprovalResponse>('POST', `/api/sessions/${sessionId}/environment/approval`, ada.token, { hash: before.body.file!.hash });
    expect(approved.body.approved).toBe(true);
    expect((await live.sandbox.exec(fetchThroughProxy('allowed.test'))).stdout).toBe(`${HOST_SERVER_BODY}  200`);

    // The refusal before the approval: in the doc for everyone, and in the record with the allowed fetch's bytes.
    await waitFor(() => readNetworkDenials(tab.doc).some((denial) => denial.host === 'allowed.test'), 'the refusal to show in the doc');
    const record = await call<NetworkAttemptsResponse>('GET', `/api/sessions/${sessionId}/network/attempts`, bob.token);
    expect(record.body.attempts).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ host: 'allowed.test', port: 80, allowed: false, phase: 'session' }),
        expect.objectContaining({ host: 'allowed.test', port: 80, allowed: true, bytesIn: expect.any(Number) }),
      ]),
    );
    expect(record.body.attempts.find((attempt) => attempt.allowed)!.bytesIn).toBeGreaterThan(HOST_SERVER_BODY.length);

    // The repo's file changes: the next session (on a rebuilt snapshot) has other content, so it asks again.
    const approvedAtMs = Date.now();
    writeFileSync(path.join(firstRepo, '.tandem/environment.json'), `${JSON.stringify({ network: { session: ['allowed.test', 'evil.test'] } })}\n`);
    await waitFor(() => Date.now() > approvedAtMs + SNAPSHOT_REBUILD_MS, 'the snapshot to be due for a rebuild', SNAPSHOT_REBUILD_MS * 2);
    const next = await context.api.createSession(ada.token, 'network approval, the file changed', firstRepo);
    const nextLive = await context.server.runtime!.ensureStarted(next);
    const asked = await call<EnvironmentApprovalResponse>('GET', `/api/sessions/${next}/environment/approval`, ada.token);
    expect(asked.body).toMatchObject({ approved: false, network: { session: ['allowed.test', 'evil.test'] } });
    expect((await nextLive.sandbox.exec(fetchThroughProxy('allowed.test'))).stdout).toMatch(/ 403$/);
    await context.server.runtime!.stop(next);

    // Another repo: an approval is for one repo's exact file, never another's.
    const changed = await context.api.createSession(ada.token, 'network approval, another repo', changedRepo);
    const changedLive = await context.server.runtime!.ensureStarted(changed);
    const again = await call<EnvironmentApprovalResponse>('GET', `/api/sessions/${changed}/environment/approval`, ada.token);
    expect(again.body.approved).toBe(false);
    expect(again.body.file!.hash).not.toBe(before.body.file!.hash);
    expect((await changedLive.sandbox.exec(fetchThroughProxy('allowed.test'))).stdout).toMatch(/ 403$/);
    await waitForAsync(async () => {
      const { body } = await call<NetworkAttemptsResponse>('GET', `/api/sessions/${changed}/network/attempts`, ada.token);
      return body.attempts.some((attempt) => attempt.phase === 'setup' && attempt.host === '127.0.0.1' && attempt.port === 5432 && !attempt.allowed);
    }, "the setup script's refused attempt to be in the session's record");
    await context.server.runtime!.stop(changed);
  }, 180_000);

  it('lets an editor open a host for the rest of the session, said in the transcript; a viewer cannot', async () => {
    const ada = await context.api.identity('Ada');
    const vic = await context.api.identity('Vic');
    const sessionId = await context.api.createSession(ada.token, 'network allow', firstRepo);
    await context.api.join(vic.token, (await context.api.share(ada.token, sessionId, 'viewer')).token);
    const live = await context.server.runtime!.ensureStarted(sessionId);
    const tab = connectPeer(context.server.url, sessionId, vic.token);
    context.peers.push(tab);
    await waitForSync(tab);

    expect((await live.sandbox.exec(fetchThroughProxy('other.test'))).stdout).toMatch(/ 403$/);
    await waitFor(() => readNetworkDenials(tab.doc).some((denial) => denial.host === 'other.test'), 'the refusal to show in the doc');
    expect((await call('POST', `/api/sessions/${sessionId}/network/allow`, vic.token, { host: 'other.test' })).status).toBe(403);
    expect((await call('POST', `/api/sessions/${sessionId}/network/allow`, ada.token, { host: '127.0.0.1' })).status).toBe(400);
    expect((await call('POST', `/api/sessions/${sessionId}/network/allow`, ada.token, { host: 'other.test' })).status).toBe(201);
    expect((await live.sandbox.exec(fetchThroughProxy('other.test'))).stdout).toBe(`${HOST_SERVER_BODY}  200`);
    await waitFor(() => readNetworkDenials(tab.doc).find((denial) => denial.host === 'other.test')?.allowedBy === 'Ada', 'the refusal to show who allowed it');
    const transcript = JSON.stringify(tab.doc.getArray('transcript').toJSON());
    expect(transcript).toContain('Ada allowed the sandbox to reach other.test for the rest of this session.');
  }, 180_000);
});
