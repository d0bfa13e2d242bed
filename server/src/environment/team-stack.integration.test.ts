import { randomBytes } from 'node:crypto';
import { chmodSync, cpSync, mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readMeta, readNetworkDenials } from '@tandem/shared/doc/accessors.js';
import type { OpenTerminalResponse } from '@tandem/shared/protocol/http.js';
import type { NetworkAttemptsResponse } from '@tandem/shared/protocol/network.js';
import type { SecretListResponse } from '@tandem/shared/protocol/secrets.js';
import { docUpdates } from '../db/schema.js';
import { NPM_REGISTRY_HOST, probeNpmRegistry } from '../../test-support/npm-registry.js';
import { serverForFile } from '../../test-support/server-per-file.js';
import { connectPeer, waitFor, waitForSync } from '../../test-support/test-server.js';
import { openTerminalClient } from '../../test-support/terminal-client.js';

/**
 * The "done when", end to end: examples/team-stack needs a package at setup (npm ci from the
 * real registry, through the setup's egress proxy), PostgreSQL for its tests (a declared service) and
 * a secret for its release tool. An owner sets the secret through the API, and `npm test`, typed into
 * the session's shared terminal, passes, with nothing pasted by hand; the secret's value is nowhere
 * the server keeps or relays, and the session itself still reaches nothing.
 */

const registry = await probeNpmRegistry();
if (!registry.reachable) console.warn(`team-stack integration test skipped: ${registry.reason}. It needs the real npm registry.`);
else if (registry.note) console.warn(`team-stack integration test: ${registry.note}.`);

/** npm ci, initdb and PostgreSQL's first start, on a busy 2-core machine. */
const READY_TIMEOUT_MS = 90_000;
const TOKEN = `tsk-${randomBytes(16).toString('hex')}`;
const MARKER = '[secret TEAM_STACK_TOKEN]';

/** A copy of the example as git has it: no node_modules (setup must fetch them), no service sockets. */
const repoRoot = mkdtempSync(path.join(os.tmpdir(), 'tandem-team-stack-'));
chmodSync(repoRoot, 0o755);
const REPO = path.join(repoRoot, 'team-stack');
cpSync(path.resolve('examples/team-stack'), REPO, { recursive: true, filter: (source) => !/[/\\](node_modules|\.services)([/\\]|$)/.test(source) });
afterAll(() => rm(repoRoot, { recursive: true, force: true }));

// eslint-disable-next-line no-control-regex
const withoutColours = (text: string) => text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');

const openTerminal = (baseUrl: string, sessionId: string, terminalId: string, token: string) => openTerminalClient(baseUrl, sessionId, token, terminalId);

describe.skipIf(!registry.reachable)('examples/team-stack in a session', () => {
  const shared = serverForFile('team-stack', { sandboxes: true, networkResolver: registry.reachable ? registry.resolver : undefined }, (config) => ({
    ...config,
    // No warm sandbox booting its own PostgreSQL beside the session's: the test's wall time stays modest.
    sandbox: { ...config.sandbox, warmPoolSize: 0, repoRoots: [...config.sandbox.repoRoots, repoRoot] },
  }));

  it("installs its package at setup, starts its database, gets its secret, and npm test passes in the shared terminal; the value stays out of what's kept", async () => {
    const [ada, bob] = await Promise.all([shared.api.identity('Ada'), shared.api.identity('Bob')]);
    const sessionId = await shared.api.createSession(ada.token, 'Team stack', REPO);
    await shared.api.join(bob.token, (await shared.api.share(ada.token, sessionId, 'editor')).token);
    const tab = connectPeer(shared.server.url, sessionId, bob.token);
    shared.peers.push(tab);
    await waitForSync(tab);

    const postgres = () => readMeta(tab.doc).services.find((service) => service.name === 'postgres');
    await waitFor(() => ['ready', 'failed'].includes(readMeta(tab.doc).sandboxState ?? ''), 'the sandbox to start', READY_TIMEOUT_MS);
    expect(readMeta(tab.doc).sandboxState, readMeta(tab.doc).sandboxMessage).toBe('ready');
    await waitFor(() => postgres()?.state === 'ready' || postgres()?.state === 'failed', 'postgres to be ready', READY_TIMEOUT_MS);
    expect(postgres(), postgres()?.logTail).toMatchObject({ state: 'ready' });

    // The owner is told which secret the repo's config asks for, and sets it; an editor may not.
    const asked = async () => (await shared.api.call<SecretListResponse>('GET', `/sessions/${sessionId}/secrets`, ada.token)).body.asked;
    expect(await asked()).toEqual(['TEAM_STACK_TOKEN']);
    const put = (token: string) => shared.api.call('PUT', `/sessions/${sessionId}/secrets/TEAM_STACK_TOKEN`, token, { value: TOKEN });
    expect((await put(bob.token)).status).toBe(403);
    expect((await put(ada.token)).status).toBe(204);
    expect(await asked()).toEqual([]);

    // The package came from the registry through the setup's proxy, recorded with its bytes.
    const record = await shared.api.call<NetworkAttemptsResponse>('GET', `/sessions/${sessionId}/network/attempts`, bob.token);
    const fetched = record.body.attempts.find((attempt) => attempt.phase === 'setup' && attempt.host === NPM_REGISTRY_HOST && attempt.allowed);
    expect(fetched, JSON.stringify(record.body.attempts)).toBeDefined();
    expect(fetched!.bytesIn).toBeGreaterThan(1_000);
    // The package's metadata and tarball, not npm's own update check (about 3 MB).
    expect(fetched!.bytesIn).toBeLessThan(500_000);

    // The first shell started with the sandbox, before the secret was set: the owner opens another, as the Secrets dialog says.
    const opened = await shared.api.call<OpenTerminalResponse>('POST', `/sessions/${sessionId}/terminals`, ada.token);
    expect(opened.status).toBe(201);
    const ownerTerminal = openTerminal(shared.server.url, sessionId, opened.body.terminalId, ada.token);
    await waitFor(() => ownerTerminal.state.ready, 'the terminal', 20_000);
    ownerTerminal.type('npm test 2>&1; echo "npm-test-exit:$?"\r');
    await waitFor(() => /npm-test-exit:\d+/.test(ownerTerminal.state.output), 'npm test to finish', 60_000);
    expect(ownerTerminal.state.output, ownerTerminal.state.output).toMatch(/npm-test-exit:0/);
    // A terminal gets node:test's coloured report: its summary, without the colours.
    expect(withoutColours(ownerTerminal.state.output)).toMatch(/ℹ pass 5\r?\nℹ fail 0/);

    // Someone checks the token is there, and the session tries the registry itself: its policy names nothing.
    ownerTerminal.type('echo "token: $TEAM_STACK_TOKEN"; curl -sS -m 10 -o /dev/null https://registry.npmjs.org/ms; echo "curl-exit:$?"\r');
    await waitFor(() => /curl-exit:\d+/.test(ownerTerminal.state.output), 'curl to give up', 30_000);
    expect(ownerTerminal.state.output).toContain(`token: ${MARKER}`);
    expect(ownerTerminal.state.output).not.toMatch(/curl-exit:0/);
    await waitFor(() => readNetworkDenials(tab.doc).some((denial) => denial.host === NPM_REGISTRY_HOST), 'the session’s refusal in the doc', 10_000);
    // That was the session's only try: npm test reached for nothing (no update check asking everyone to open the registry).
    expect(readNetworkDenials(tab.doc)).toEqual([expect.objectContaining({ host: NPM_REGISTRY_HOST, port: 443, attempts: 1 })]);

    // A late joiner's scrollback, the doc as a tab has it and every doc update the store kept: no value.
    const late = openTerminal(shared.server.url, sessionId, opened.body.terminalId, bob.token);
    await waitFor(() => late.state.output.includes('curl-exit:'), 'the scrollback', 20_000);
    expect(late.state.output).toContain(MARKER);
    for (const [what, text] of [
      ['the owner’s terminal', ownerTerminal.state.output],
      ['the scrollback', late.state.output],
      ['the doc', JSON.stringify({ meta: tab.doc.getMap('meta').toJSON(), transcript: tab.doc.getArray('transcript').toJSON(), network: readNetworkDenials(tab.doc) })],
      ['the stored doc updates', Buffer.concat((await shared.server.database.db.select().from(docUpdates)).map((row) => Buffer.from(row.data))).toString('latin1')],
    ] as const) {
      expect(text.includes(TOKEN), `${what} holds the secret's value`).toBe(false);
    }
    ownerTerminal.socket.close();
    late.socket.close();
  }, 240_000);
});
