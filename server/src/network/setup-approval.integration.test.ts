import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { chmod, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readTranscript } from '@tandem/shared/doc/accessors.js';
import type { EnvironmentApprovalResponse, NetworkAttemptsResponse } from '@tandem/shared/protocol/network.js';
import { serverForFile } from '../../test-support/server-per-file.js';
import { connectPeer, waitFor, waitForSync } from '../../test-support/test-server.js';
import { createTestResolver } from './host-resolver.js';

/**
 * The setup side of a repo's widening, through a real server, real snapshot builds and real sandboxes:
 * `network.setup` is ignored until the owner approves that exact file, applies from the next snapshot
 * build on, and is ignored again once the file changes.
 */

const repoRoot = mkdtempSync(path.join(os.tmpdir(), 'tandem-setup-approval-'));
const REPO = path.join(repoRoot, 'setup-widening');
const BODY = 'hello from mirror.test';
/** Snapshots older than this are rebuilt when a session starts, so each new session runs setup again. */
const SNAPSHOT_REBUILD_MS = 2_500;
mkdirSync(path.join(REPO, '.tandem'), { recursive: true });
writeFileSync(path.join(REPO, 'README.md'), '# setup widening\n');
const writeEnvironment = (hosts: string[]) => writeFileSync(path.join(REPO, '.tandem/environment.json'), `${JSON.stringify({ network: { setup: hosts } })}\n`);
writeEnvironment(['mirror.test']);
// What setup reached is kept in the snapshot, where the session reads it.
writeFileSync(path.join(REPO, '.tandem/setup.sh'), "curl -s -m 10 -w ' %{http_code}' http://mirror.test/ > setup-fetch.txt 2>&1 || true\n");

const targets = new Map<string, { address: string; port: number }>();
const context = serverForFile('setup-approval', { sandboxes: true, networkResolver: createTestResolver(targets) }, (config) => ({
  ...config,
  sandbox: { ...config.sandbox, warmPoolSize: 0, snapshotRebuildIntervalMs: SNAPSHOT_REBUILD_MS, repoRoots: [...config.sandbox.repoRoots, repoRoot] },
}));
let mirror: Server;
beforeAll(async () => {
  await chmod(repoRoot, 0o755);
  mirror = createServer((_request, response) => response.end(BODY));
  await new Promise<void>((resolve) => mirror.listen(0, '127.0.0.1', resolve));
  targets.set('mirror.test', { address: '127.0.0.1', port: (mirror.address() as AddressInfo).port });
});
afterAll(async () => {
  mirror?.close();
  await rm(repoRoot, { recursive: true, force: true });
});

async function call<T>(method: string, route: string, token: string, body?: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(`${context.server.url}/api${route}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as T };
}

/** A new session once the last snapshot is due for a rebuild: what its setup script fetched. */
async function nextSessionSetupFetch(token: string, title: string) {
  const dueAtMs = Date.now() + SNAPSHOT_REBUILD_MS + 100;
  await waitFor(() => Date.now() > dueAtMs, 'the snapshot to be due for a rebuild', SNAPSHOT_REBUILD_MS * 2);
  const sessionId = await context.api.createSession(token, title, REPO);
  const live = await context.server.runtime!.ensureStarted(sessionId);
  return { sessionId, fetched: (await live.sandbox.exec('cat setup-fetch.txt')).stdout, environment: (await live.sandbox.exec('cat .tandem/environment.json')).stdout };
}

it("ignores the repo's setup widening until the owner approves that exact file, from the next snapshot build on, and again once the file changes", async () => {
  const ada = await context.api.identity('Ada');
  const first = await context.api.createSession(ada.token, 'setup widening, unapproved', REPO);
  const live = await context.server.runtime!.ensureStarted(first);
  expect((await live.sandbox.exec('cat setup-fetch.txt')).stdout).toMatch(/mirror\.test:80 is not in this setup's network policy[\s\S]* 403$/);
  const record = await call<NetworkAttemptsResponse>('GET', `/sessions/${first}/network/attempts`, ada.token);
  expect(record.body.attempts).toEqual(expect.arrayContaining([expect.objectContaining({ phase: 'setup', host: 'mirror.test', allowed: false })]));

  const asked = await call<EnvironmentApprovalResponse>('GET', `/sessions/${first}/environment/approval`, ada.token);
  expect(asked.body).toMatchObject({ approved: false, canApprove: true, network: { setup: ['mirror.test'], session: [] } });
  expect((await call('POST', `/sessions/${first}/environment/approval`, ada.token, { hash: asked.body.file!.hash })).status).toBe(200);
  const tab = connectPeer(context.server.url, first, ada.token);
  context.peers.push(tab);
  await waitForSync(tab);
  expect(JSON.stringify(readTranscript(tab.doc))).toContain('Its setup script may reach mirror.test from the next snapshot build on.');

  const approved = await nextSessionSetupFetch(ada.token, 'setup widening, approved');
  expect(approved.fetched).toBe(`${BODY} 200`);
  await context.server.runtime!.stop(approved.sessionId);

  // The file changes: the build after it runs setup under the operator's defaults again until it is approved.
  writeEnvironment(['mirror.test', 'other.test']);
  // A scheduled rebuild that copied the tree before the change may finish after it (a loaded machine
  // builds slowly): the session whose snapshot holds the changed file is the one that says.
  let changed = await nextSessionSetupFetch(ada.token, 'setup widening, file changed');
  for (let attempt = 2; !changed.environment.includes('other.test') && attempt <= 5; attempt += 1) {
    await context.server.runtime!.stop(changed.sessionId);
    changed = await nextSessionSetupFetch(ada.token, `setup widening, file changed (${attempt})`);
  }
  expect(changed.environment).toContain('other.test');
  expect(changed.fetched).toMatch(/ 403$/);
  expect((await call<EnvironmentApprovalResponse>('GET', `/sessions/${changed.sessionId}/environment/approval`, ada.token)).body.approved).toBe(false);
}, 120_000);
