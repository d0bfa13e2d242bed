import { readFile, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import WebSocket from 'ws';
import { readMeta } from '@tandem/shared/doc/accessors.js';
import {
  IDENTITY_RATE_LIMIT_PER_ADDRESS,
  MESSAGE_RATE_LIMIT_PER_ADDRESS,
  MESSAGE_RATE_LIMIT_PER_IDENTITY,
  SESSION_RATE_LIMIT_PER_ADDRESS,
  SESSION_RATE_LIMIT_PER_IDENTITY,
} from '@tandem/shared/limits.js';
import { CloseCode } from '@tandem/shared/protocol/errors.js';
import { DEFAULT_TERMINAL_ID } from '@tandem/shared/protocol/terminal.js';
import type { IdentityResponse, NewInviteResponse, SessionResponse, ShareLinkListResponse } from '@tandem/shared/protocol/http.js';
import { hashSecret } from '../auth/secret-hash.js';
import type { Config } from '../config.js';
import { DEFAULT_RATE_LIMITS } from '../http/rate-limit.js';
import type { RunningServer } from '../server.js';
import {
  dumpDatabaseText,
  flood,
  forwardedByLocalProxy,
  gitHubCallbackReplayedInVictimBrowser,
  signInWithGitHub,
  victimStateCookie,
} from '../../test-support/attacks/server-access.js';
import { startFakeGitHub, type FakeGitHub } from '../../test-support/fake-github.js';
import { EXAMPLE_REPO } from '../../test-support/local-sandbox.js';
import { apiClient, makeTempDir, startTestServer } from '../../test-support/test-server.js';

/**
 * Who may use a server at all (issue 9): anyone who could reach a server could make identities and
 * sessions (100 sessions from one identity in 6.6 s, each booting a sandbox). Real servers, real
 * store, real sandboxes where sandboxes are the point.
 */

const ADMIN_TOKEN = 'admin-token-for-tests-0123456789abcdef';
const ALICE = { id: 1001, login: 'alice', name: 'Alice Allowed', orgs: [] };
const BOB = { id: 1002, login: 'bob', name: 'Bob Member', orgs: ['tandem-team'] };
const MALLORY = { id: 6666, login: 'mallory', name: 'Mallory', orgs: ['elsewhere'] };

const json = (body: unknown) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Opens /sync as a browser tab would and reports how the server closed it (or 'open'). */
async function syncCloseCode(serverUrl: string, sessionId: string, token: string): Promise<number | 'open'> {
  const socket = new WebSocket(`${serverUrl.replace(/^http/, 'ws')}/sync/${sessionId}?token=${encodeURIComponent(token)}`);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      socket.terminate();
      resolve('open');
    }, 2_000);
    socket.on('close', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

describe('a server bound beyond loopback requires sign-in', () => {
  let dataDir: string;
  let github: FakeGitHub;
  let server: RunningServer;
  let url: string;
  /** A display-name identity and its session, from when the same store ran open on loopback. */
  let openEraToken: string;
  let openEraSessionId: string;

  const publicServer = (config: Config): Config => ({
    ...config,
    host: '0.0.0.0',
    // Every sign-in here comes from this machine, which a server bound beyond loopback counts like any
    // address: a budget for the many sign-ins these tests make (the rate-limit tests below use the real ones).
    limits: { ...config.limits, rates: { ...DEFAULT_RATE_LIMITS, identity: { address: { count: 1000, windowMs: IDENTITY_RATE_LIMIT_PER_ADDRESS.windowMs } } } },
    access: {
      requireSignIn: false,
      trustProxy: false,
      adminToken: ADMIN_TOKEN,
      github: { clientId: github.clientId, clientSecret: github.clientSecret, webUrl: github.url, apiUrl: github.url, allowedUsers: ['Alice'], allowedOrgs: ['tandem-team'] },
    },
  });

  beforeAll(async () => {
    dataDir = await makeTempDir('access-public');
    github = await startFakeGitHub();
    const open = await startTestServer(dataDir);
    const openApi = apiClient(open.url);
    openEraToken = (await openApi.identity('Walk-in')).token;
    openEraSessionId = await openApi.createSession(openEraToken, 'From the open days');
    await open.close();
    server = await startTestServer(dataDir, {}, 0, publicServer);
    url = server.url;
  }, 240_000);

  afterAll(async () => {
    await server?.close();
    await github?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('refuses identities, sessions and sync to anyone who has not signed in', async () => {
    expect(url).toMatch(/^http:\/\/0\.0\.0\.0:/);
    const options = (await (await fetch(`${url}/api/auth`)).json()) as { signInRequired: boolean };
    expect(options.signInRequired).toBe(true);

    const walkIn = await fetch(`${url}/api/identity`, json({ name: 'Walk-in' }));
    expect(walkIn.status).toBe(401);
    expect(((await walkIn.json()) as { error: { message: string } }).error.message).toMatch(/requires sign-in/);
    expect((await fetch(`${url}/api/sessions`, json({ title: 'x', repo: 'examples/hello' }))).status).toBe(401);

    // A display-name token from when this store served an open loopback server opens nothing now.
    expect((await fetch(`${url}/api/sessions`, { headers: bearer(openEraToken) })).status).toBe(401);
    expect((await fetch(`${url}/api/sessions`, { ...json({ title: 'x', repo: 'examples/hello' }), headers: { ...bearer(openEraToken), 'content-type': 'application/json' } })).status).toBe(401);
    expect(await syncCloseCode(url, openEraSessionId, openEraToken)).toBe(CloseCode.Unauthenticated);
    expect((await fetch(`${url}/api/health`)).status).toBe(200);
  });

  it('an invite code makes one identity, once, even when redeemed many times at the same moment', async () => {
    expect((await fetch(`${url}/api/admin/invites`, { method: 'POST' })).status).toBe(403);
    expect((await fetch(`${url}/api/admin/invites`, { method: 'POST', headers: bearer('not-the-admin-token-but-just-as-long-0000') })).status).toBe(403);
    const made = await fetch(`${url}/api/admin/invites`, { method: 'POST', headers: bearer(ADMIN_TOKEN) });
    expect(made.status).toBe(201);
    const invite = (await made.json()) as NewInviteResponse;
    expect(invite.path).toBe(`/invite/${invite.code}`);

    const attempts = await Promise.all(
      Array.from({ length: 8 }, (_, index) => fetch(`${url}/api/auth/invite`, json({ code: invite.code, name: `Guest ${index}` }))),
    );
    const statuses = attempts.map((response) => response.status);
    expect(statuses.filter((status) => status === 201)).toHaveLength(1);
    expect(statuses.filter((status) => status === 410)).toHaveLength(7);
    const winner = (await attempts[statuses.indexOf(201)]!.json()) as IdentityResponse;
    const created = await fetch(`${url}/api/sessions`, { ...json({ title: 'Invited work', repo: 'examples/hello' }), headers: { ...bearer(winner.token), 'content-type': 'application/json' } });
    expect(created.status).toBe(201);

    const again = await fetch(`${url}/api/auth/invite`, json({ code: invite.code, name: 'Latecomer' }));
    expect(again.status).toBe(410);
    expect(((await again.json()) as { error: { message: string } }).error.message).toMatch(/already used/);
    expect((await fetch(`${url}/api/auth/invite`, json({ code: 'made-up-code', name: 'Guesser' }))).status).toBe(404);
    // The store keeps the code's hash only.
    expect(await dumpDatabaseText(server.database.db)).not.toContain(invite.code);
  });

  it('GitHub sign-in lets in listed users and members of listed organisations, and nobody else', async () => {
    github.signInAs(ALICE);
    const alice = await signInWithGitHub(url, '/s/some-session');
    expect(alice.error).toBeUndefined();
    expect(alice.landing).toMatch(/^\/s\/some-session#sign-in=/);
    const me = await fetch(`${url}/api/identity`, { headers: bearer(alice.token!) });
    expect(((await me.json()) as { user: { id: string; name: string } }).user).toMatchObject({ id: 'u_github_000001001', name: 'Alice Allowed' });

    github.signInAs(BOB);
    const bob = await signInWithGitHub(url);
    expect(bob.token).toBeDefined();
    expect((await fetch(`${url}/api/sessions`, { headers: bearer(bob.token!) })).status).toBe(200);

    github.signInAs(MALLORY);
    const mallory = await signInWithGitHub(url);
    expect(mallory).toEqual({ landing: '/#sign-in-error=not-allowed', token: undefined, error: 'not-allowed' });
    expect(await dumpDatabaseText(server.database.db)).not.toContain('Mallory');
  });

  it('GitHub sign-in cannot log a victim in as the attacker, nor send them off-site afterwards', async () => {
    // Even an allowed attacker's callback fails in a browser that did not start that sign-in.
    github.signInAs(ALICE);
    expect((await gitHubCallbackReplayedInVictimBrowser(url)).error).toBe('expired');
    expect((await gitHubCallbackReplayedInVictimBrowser(url, await victimStateCookie(url))).error).toBe('expired');
    for (const returnTo of ['//evil.example/steal', 'https://evil.example/', '/\\evil.example']) {
      const outcome = await signInWithGitHub(url, returnTo);
      expect(outcome.landing).toMatch(/^\/#sign-in=/);
    }
  });

  it('rotating the signing key revokes every identity token at once; GitHub users sign in again and keep their sessions', async () => {
    github.signInAs(ALICE);
    const before = (await signInWithGitHub(url)).token!;
    const created = await fetch(`${url}/api/sessions`, { ...json({ title: 'Alice work', repo: 'examples/hello' }), headers: { ...bearer(before), 'content-type': 'application/json' } });
    const sessionId = ((await created.json()) as SessionResponse).session.id;
    expect(await syncCloseCode(url, sessionId, before)).toBe('open');

    expect((await fetch(`${url}/api/admin/rotate-key`, { method: 'POST', headers: bearer('wrong') })).status).toBe(403);
    expect((await fetch(`${url}/api/admin/rotate-key`, { method: 'POST', headers: bearer(ADMIN_TOKEN) })).status).toBe(200);

    expect((await fetch(`${url}/api/sessions/${sessionId}`, { headers: bearer(before) })).status).toBe(401);
    expect(await syncCloseCode(url, sessionId, before)).toBe(CloseCode.Unauthenticated);

    const after = (await signInWithGitHub(url)).token!;
    expect(after).not.toBe(before);
    expect((await fetch(`${url}/api/sessions/${sessionId}`, { headers: bearer(after) })).status).toBe(200);
  });
});

describe('rate limits per identity and per address', () => {
  let dataDir: string;
  let server: RunningServer;
  let url: string;
  // Behind a trusted proxy each request says its client's address; TEST-NET addresses stand for people.
  const behindProxy = (config: Config): Config => ({ ...config, access: { requireSignIn: false, trustProxy: true } });
  const from = (address: string, token?: string) => ({ 'content-type': 'application/json', 'x-forwarded-for': address, ...(token ? bearer(token) : {}) });
  const identityFrom = async (address: string, name: string) => {
    const response = await fetch(`${url}/api/identity`, { method: 'POST', headers: from(address), body: JSON.stringify({ name }) });
    expect(response.status).toBe(201);
    return ((await response.json()) as IdentityResponse).token;
  };
  const sessionFrom = (address: string, token: string, title = 'Flood') =>
    fetch(`${url}/api/sessions`, { method: 'POST', headers: from(address, token), body: JSON.stringify({ title, repo: 'examples/hello' }) });
  const messageFrom = (address: string, token: string, sessionId: string, index: number) =>
    fetch(`${url}/api/sessions/${sessionId}/messages`, { method: 'POST', headers: from(address, token), body: JSON.stringify({ text: `message ${index}` }) });

  beforeAll(async () => {
    dataDir = await makeTempDir('access-rates');
    server = await startTestServer(dataDir, {}, 0, behindProxy);
    url = server.url;
  }, 180_000);

  afterAll(async () => {
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('identities: one address gets its budget, then a 429 that says when to try again; another address is unaffected', async () => {
    const limit = IDENTITY_RATE_LIMIT_PER_ADDRESS.count;
    const result = await flood(limit + 5, (index) => fetch(`${url}/api/identity`, { method: 'POST', headers: from('203.0.113.1'), body: JSON.stringify({ name: `Bot ${index}` }) }));
    expect(result.statuses.slice(0, limit).every((status) => status === 201)).toBe(true);
    expect(result.statuses.slice(limit).every((status) => status === 429)).toBe(true);
    expect(result.firstRefusal?.body).toMatchObject({ error: { code: 'rate_limited', message: expect.stringMatching(/Too many sign-ins and new names from your network address: at most 20 every 10 minutes\. Try again in \d+ minutes/) } });
    expect(Number(result.firstRefusal?.retryAfter)).toBeGreaterThan(0);
    expect((await fetch(`${url}/api/identity`, { method: 'POST', headers: from('203.0.113.2'), body: JSON.stringify({ name: 'Neighbour' }) })).status).toBe(201);
  });

  it('sessions: one identity gets its budget even from fresh addresses; one address is capped across identities', async () => {
    const limit = SESSION_RATE_LIMIT_PER_IDENTITY.count;
    const hoarder = await identityFrom('198.51.100.1', 'Hoarder');
    // Each request from a new address: only the per-identity budget can stop it.
    const result = await flood(limit + 3, (index) => sessionFrom(`198.51.100.${10 + index}`, hoarder));
    expect(result.statuses.filter((status) => status === 201)).toHaveLength(limit);
    expect(result.firstRefusal?.index).toBe(limit);
    expect(result.firstRefusal?.body).toMatchObject({ error: { message: expect.stringMatching(/Too many new sessions from you: at most 30 every 10 minutes/) } });

    const perAddress = SESSION_RATE_LIMIT_PER_ADDRESS.count;
    const people = await Promise.all([1, 2, 3].map((index) => identityFrom(`192.0.2.${index}`, `Person ${index}`)));
    const shared = await flood(perAddress + 2, (index) => sessionFrom('192.0.2.200', people[index % people.length]!));
    expect(shared.statuses.filter((status) => status === 201)).toHaveLength(perAddress);
    expect(shared.firstRefusal?.body).toMatchObject({ error: { message: expect.stringMatching(/new sessions from your network address/) } });
    // The same people from their own addresses still have budget.
    expect((await sessionFrom('192.0.2.1', people[0]!)).status).toBe(201);
  }, 120_000);

  it('messages: one identity across many sessions, and one address across identities', async () => {
    const perIdentity = MESSAGE_RATE_LIMIT_PER_IDENTITY.count;
    const chatty = await identityFrom('100.64.0.1', 'Chatty');
    // Spread over sessions so the per-session chat limit never triggers first.
    const sessionIds: string[] = [];
    for (let index = 0; index < 5; index += 1) sessionIds.push(((await (await sessionFrom('100.64.0.1', chatty)).json()) as SessionResponse).session.id);
    const result = await flood(perIdentity + 2, (index) => messageFrom(`100.64.1.${index}`, chatty, sessionIds[index % sessionIds.length]!, index));
    expect(result.statuses.filter((status) => status === 201)).toHaveLength(perIdentity);
    expect(result.firstRefusal?.body).toMatchObject({ error: { message: expect.stringMatching(/Too many messages from you/) } });

    const perAddress = MESSAGE_RATE_LIMIT_PER_ADDRESS.count;
    const crowd: Array<{ token: string; sessionIds: string[] }> = [];
    for (let person = 0; person < Math.ceil(perAddress / (perIdentity - 10)) + 1; person += 1) {
      const token = await identityFrom(`100.65.0.${person}`, `Crowd ${person}`);
      const own: string[] = [];
      for (let index = 0; index < 4; index += 1) own.push(((await (await sessionFrom(`100.65.0.${person}`, token)).json()) as SessionResponse).session.id);
      crowd.push({ token, sessionIds: own });
    }
    const perPerson = perIdentity - 10;
    const together = await flood(perAddress + 2, (index) => {
      const person = crowd[Math.floor(index / perPerson)]!;
      return messageFrom('100.65.9.9', person.token, person.sessionIds[index % person.sessionIds.length]!, index);
    });
    expect(together.statuses.filter((status) => status === 201)).toHaveLength(perAddress);
    expect(together.firstRefusal?.body).toMatchObject({ error: { message: expect.stringMatching(/Too many messages from your network address/) } });
  }, 120_000);
});

/** Each test starts a server of its own and floods it: on a loaded 2-core machine that is more than the default 20 s. */
const SERVER_TEST_TIMEOUT_MS = 120_000;

describe('rate limits behind a reverse proxy on this machine without TANDEM_TRUST_PROXY', () => {
  const servers: Array<{ server: RunningServer; dataDir: string }> = [];
  let warnings: MockInstance<typeof console.warn>;
  beforeEach(() => {
    warnings = vi.spyOn(console, 'warn').mockImplementation(() => {});
  });
  afterEach(() => warnings.mockRestore());
  afterAll(async () => {
    for (const { server, dataDir } of servers) {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
  async function serverWith(prefix: string, configure: (config: Config) => Config): Promise<string> {
    const dataDir = await makeTempDir(prefix);
    const server = await startTestServer(dataDir, {}, 0, configure);
    servers.push({ server, dataDir });
    return server.url.replace('0.0.0.0', '127.0.0.1');
  }
  const proxyWarnings = () => warnings.mock.calls.map(([message]) => String(message)).filter((message) => message.includes('TANDEM_TRUST_PROXY'));
  const identityThroughProxy = (url: string, index: number) =>
    fetch(`${url}/api/identity`, { method: 'POST', headers: { 'content-type': 'application/json', ...forwardedByLocalProxy(index) }, body: JSON.stringify({ name: `Person ${index}` }) });

  it('bound beyond loopback: the proxy’s loopback address is counted, so the people behind it are limited; the log says once what to set', async () => {
    const url = await serverWith('access-proxy-public', (config) => ({ ...config, host: '0.0.0.0', access: { requireSignIn: true, trustProxy: false, adminToken: ADMIN_TOKEN } }));
    const limit = IDENTITY_RATE_LIMIT_PER_ADDRESS.count;
    // Sign-in is required here, so each attempt is refused (401) — but each costs the server, and is counted.
    const result = await flood(limit + 5, (index) => identityThroughProxy(url, index));
    expect(result.statuses.slice(0, limit).every((status) => status === 401)).toBe(true);
    expect(result.statuses.slice(limit).every((status) => status === 429), `statuses ${result.statuses.join(', ')}`).toBe(true);
    expect(proxyWarnings()).toHaveLength(1);
    expect(proxyWarnings()[0]).toMatch(/reverse proxy here forwards to Tandem, but TANDEM_TRUST_PROXY is not set.*Set TANDEM_TRUST_PROXY=1/);
  }, SERVER_TEST_TIMEOUT_MS);

  it('bound to loopback: a loopback peer that forwards for others is counted too; the person at the machine itself is not', async () => {
    const url = await serverWith('access-proxy-loopback', (config) => ({ ...config, access: { requireSignIn: false, trustProxy: false } }));
    const limit = IDENTITY_RATE_LIMIT_PER_ADDRESS.count;
    const result = await flood(limit + 3, (index) => identityThroughProxy(url, index));
    expect(result.statuses.filter((status) => status === 201)).toHaveLength(limit);
    expect(result.firstRefusal?.index).toBe(limit);
    expect(proxyWarnings()).toHaveLength(1);
    expect(proxyWarnings()[0]).toMatch(/set TANDEM_REQUIRE_SIGN_IN=1/);
    // The person at the machine (no forwarding header) is one person, never limited by the proxy's traffic.
    const local = await Promise.all(Array.from({ length: 3 }, (_, index) => apiClient(url).call('POST', '/identity', undefined, { name: `Local ${index}` })));
    expect(local.map(({ status }) => status)).toEqual([201, 201, 201]);
  }, SERVER_TEST_TIMEOUT_MS);

  it('with TANDEM_TRUST_PROXY each person behind the proxy has their own budget, and nothing is warned', async () => {
    const url = await serverWith('access-proxy-trusted', (config) => ({ ...config, host: '0.0.0.0', access: { requireSignIn: false, trustProxy: true, adminToken: ADMIN_TOKEN } }));
    const result = await flood(IDENTITY_RATE_LIMIT_PER_ADDRESS.count + 3, (index) =>
      fetch(`${url}/api/identity`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': `198.51.100.${index + 1}` }, body: JSON.stringify({ name: `Person ${index}` }) }),
    );
    expect(result.statuses.every((status) => status === 401)).toBe(true);
    expect(proxyWarnings()).toHaveLength(0);
  }, SERVER_TEST_TIMEOUT_MS);
});

describe('live sandboxes are capped per person and per server', () => {
  let dataDir: string;
  let server: RunningServer;
  let api: ReturnType<typeof apiClient>;
  const smallCaps = (config: Config): Config => ({
    ...config,
    sandbox: { ...config.sandbox, warmPoolSize: 0 },
    limits: { sandboxes: { perPerson: 2, perServer: 3 } },
  });
  const metaOf = (sessionId: string) => server.docHost.change(sessionId, (doc) => readMeta(doc));
  async function sandboxSettles(sessionId: string): Promise<{ state: string; message?: string }> {
    let meta = await metaOf(sessionId);
    const deadline = Date.now() + 60_000;
    while (meta.sandboxState !== 'ready' && meta.sandboxState !== 'failed') {
      if (Date.now() > deadline) throw new Error(`sandbox of ${sessionId} is still ${meta.sandboxState}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
      meta = await metaOf(sessionId);
    }
    return { state: meta.sandboxState, message: meta.sandboxMessage };
  }

  beforeAll(async () => {
    dataDir = await makeTempDir('access-caps');
    server = await startTestServer(dataDir, { sandboxes: true }, 0, smallCaps);
    api = apiClient(server.url);
  }, 180_000);

  afterAll(async () => {
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
  }, SERVER_TEST_TIMEOUT_MS);

  it('a person past their cap gets a message saying to end a session; the server past its cap says so; ending one frees a place', async () => {
    const [ada, bob, cid] = await Promise.all(['Ada', 'Bob', 'Cid'].map((name) => api.identity(name)));
    const adaSessions = [];
    for (const title of ['one', 'two', 'three']) {
      const sessionId = await api.createSession(ada!.token, title, EXAMPLE_REPO);
      adaSessions.push(sessionId);
      await sandboxSettles(sessionId);
    }
    expect((await sandboxSettles(adaSessions[0]!)).state).toBe('ready');
    expect((await sandboxSettles(adaSessions[1]!)).state).toBe('ready');
    expect(await sandboxSettles(adaSessions[2]!)).toEqual({ state: 'failed', message: expect.stringMatching(/already runs 2 sandboxes, the most one person may\. End one of those sessions/) });

    const bobSession = await api.createSession(bob!.token, 'bob', EXAMPLE_REPO);
    expect((await sandboxSettles(bobSession)).state).toBe('ready');
    const cidSession = await api.createSession(cid!.token, 'cid', EXAMPLE_REPO);
    expect(await sandboxSettles(cidSession)).toEqual({ state: 'failed', message: expect.stringMatching(/This server already runs 3 sandboxes, its limit/) });
    // The terminal of a refused session closes with the reason.
    const terminal = new WebSocket(`${server.url.replace(/^http/, 'ws')}/terminal/${cidSession}/${DEFAULT_TERMINAL_ID}?token=${encodeURIComponent(cid!.token)}`);
    const closed = await new Promise<{ code: number; reason: string }>((resolve) => terminal.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    expect(closed.reason).toMatch(/already runs 3 sandboxes/);

    // Ada ends a session: her third one starts when it is opened again.
    expect((await api.call('POST', `/sessions/${adaSessions[0]}/end`, ada!.token)).status).toBe(200);
    expect((await api.call('GET', `/sessions/${adaSessions[2]}`, ada!.token)).status).toBe(200);
    let third = await sandboxSettles(adaSessions[2]!);
    const deadline = Date.now() + 60_000;
    while (third.state !== 'ready' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      third = await sandboxSettles(adaSessions[2]!);
    }
    expect(third.state).toBe('ready');
  }, 240_000);
});

describe('share-link tokens are stored hashed', () => {
  let dataDir: string;
  let server: RunningServer;
  let api: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    dataDir = await makeTempDir('access-links');
    server = await startTestServer(dataDir);
    api = apiClient(server.url);
  }, 180_000);

  afterAll(async () => {
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
  }, SERVER_TEST_TIMEOUT_MS);

  it('a database dump holds no token that opens a session; the link shown once still works', async () => {
    const [ada, bob, thief] = await Promise.all(['Ada', 'Bob', 'Thief'].map((name) => api.identity(name)));
    const sessionId = await api.createSession(ada!.token, 'Shared work');
    const link = await api.share(ada!.token, sessionId, 'editor');
    expect(link.token).toMatch(/^[A-Za-z0-9_-]{32}$/);

    const listed = (await api.call<ShareLinkListResponse>('GET', `/sessions/${sessionId}/links`, ada!.token)).body;
    expect(listed.links).toHaveLength(1);
    expect(JSON.stringify(listed)).not.toContain(link.token);
    expect(listed.links[0]).not.toHaveProperty('token');

    const dump = await dumpDatabaseText(server.database.db);
    expect(dump).not.toContain(link.token);
    expect(dump).toContain(hashSecret(link.token));
    // What the thief can read in the dump does not open the session.
    expect((await api.join(thief!.token, hashSecret(link.token))).status).toBe(404);
    expect((await api.join(bob!.token, link.token)).status).toBe(200);
  }, SERVER_TEST_TIMEOUT_MS);

  it('links made before the upgrade still work: migration 0003 hashes the raw tokens in place', async () => {
    const ada = await api.identity('Ada');
    const bob = await api.identity('Bob');
    const sessionId = await api.createSession(ada.token, 'Old link');
    const link = await api.share(ada.token, sessionId, 'viewer');
    // The row as the old server wrote it: the raw token.
    await server.database.db.execute(sql`UPDATE share_links SET token = ${link.token} WHERE id = ${link.id}`);
    const migration = await readFile(fileURLToPath(new URL('../db/migrations/0003_invites_and_hashed_share_tokens.sql', import.meta.url)), 'utf8');
    const hashing = migration.split('--> statement-breakpoint').find((statement) => statement.includes('UPDATE "share_links"'));
    expect(hashing).toBeDefined();
    await server.database.db.execute(sql.raw(`${hashing!.replace(/;\s*$/, '')} WHERE id = '${link.id}'`));

    expect(await dumpDatabaseText(server.database.db)).not.toContain(link.token);
    expect((await api.join(bob.token, link.token)).status).toBe(200);
  }, SERVER_TEST_TIMEOUT_MS);
});
