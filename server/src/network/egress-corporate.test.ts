import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { waitFor } from '../../test-support/test-server.js';
import { createAddressAllowance } from './address-policy.js';
import type { NetworkPolicy } from './connection-policy.js';
import { createEgressProxy, type ProxyAttempt } from './egress-proxy.js';
import type { EgressSettings } from './egress-settings.js';
import { createSystemResolver, createTestResolver, type HostResolver } from './host-resolver.js';
import { localAllowableAddress } from '../../test-support/allowable-address.js';

/**
 * The egress proxy behind a corporate network: a registry that resolves to a private or reserved
 * address (refused, naming the setting; reached once TANDEM_EGRESS_ALLOW_ADDRESSES holds it, never
 * loopback or metadata whatever it holds), and an upstream proxy that carries the allowed connections.
 */


const REGISTRY = 'registry.corp.test';
/** Every name the tests use is allowed by the policy (on the web's ports and the test servers'): what is refused here is refused for its address. */
let policy: NetworkPolicy = { phase: 'setup', rules: [] };
const allowPolicy = (ports: number[]) => {
  const hosts = ['allowed.test', 'direct.test', REGISTRY, 'loopback.test', 'metadata.test', 'mapped.test', 'nat64.test'];
  policy = { phase: 'setup', rules: hosts.flatMap((host) => [host, ...ports.map((port) => `${host}:${port}`)]).map((pattern) => ({ pattern, source: 'operator' as const })) };
};
const localAddress = localAllowableAddress();
let dir: string;
let registry: Server | undefined;
let registryPort = 0;
/** Listens on the host's loopback: what no setting may let a sandbox reach. */
let loopbackTarget: Server;
let loopbackHits = 0;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tandem-corporate-'));
  loopbackTarget = createServer((_request, response) => {
    loopbackHits += 1;
    response.end('hello from the host loopback\n');
  });
  await new Promise<void>((resolve) => loopbackTarget.listen(0, '127.0.0.1', resolve));
  allowPolicy([(loopbackTarget.address() as AddressInfo).port]);
  if (localAddress === undefined) return;
  registry = createServer((incoming, response) => response.end(`registry says hello to ${incoming.url}\n`));
  await new Promise<void>((resolve) => registry!.listen(0, localAddress, resolve));
  registryPort = (registry.address() as AddressInfo).port;
  allowPolicy([(loopbackTarget.address() as AddressInfo).port, registryPort]);
});
afterAll(async () => {
  registry?.close();
  loopbackTarget.close();
  await rm(dir, { recursive: true, force: true });
});

async function startProxy(name: string, resolver: HostResolver, upstream?: Pick<EgressSettings, 'upstreamProxy' | 'noProxy'>) {
  const attempts: ProxyAttempt[] = [];
  const socketPath = path.join(dir, `${name}.sock`);
  const proxy = createEgressProxy({ socketPath, uid: process.getuid!(), policy: () => policy, resolver, upstream, onAttempt: (attempt) => attempts.push(attempt) });
  await proxy.listen();
  return { proxy, socketPath, attempts };
}

/** Opens a CONNECT tunnel; resolves with the proxy's answer head and the socket. */
function tunnel(socketPath: string, authority: string): Promise<{ status: string; head: string; body: string; socket: Socket }> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    let received = '';
    socket.once('error', reject);
    socket.on('data', (chunk) => (received += chunk.toString('latin1')));
    const settle = () => {
      const end = received.indexOf('\r\n\r\n');
      if (end === -1) return false;
      const head = received.slice(0, end);
      resolve({ status: head.split('\r\n')[0]!, head, body: received.slice(end + 4), socket });
      return true;
    };
    socket.on('data', () => {
      // A refusal closes the socket after its body; an established tunnel answers with a head alone.
      if (received.startsWith('HTTP/1.1 200')) settle();
    });
    socket.once('close', () => settle());
    socket.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n\r\n`);
  });
}

/** A GET through an established tunnel: the answer's body. */
function getOverTunnel(socket: Socket, host: string): Promise<string> {
  return new Promise((resolve) => {
    let answer = '';
    socket.removeAllListeners('data');
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    socket.once('close', () => resolve(answer.slice(answer.indexOf('\r\n\r\n') + 4)));
    socket.write(`GET /through-the-tunnel HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
  });
}

function fetchThrough(socketPath: string, url: string): Promise<{ status: number; statusMessage: string; refused: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    request({ socketPath, path: url, headers: { host: new URL(url).host } }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, statusMessage: response.statusMessage ?? '', refused: response.headers['x-tandem-refused'] as string | undefined, body }));
    })
      .on('error', reject)
      .end();
  });
}

const allowance = (value: string) => createAddressAllowance(loadConfig({ TANDEM_EGRESS_ALLOW_ADDRESSES: value }).egress!.allowAddresses);
const lookupFrom = (table: Record<string, string>) => async (host: string) => {
  if (!(host in table)) throw Object.assign(new Error(`${host} is not in the test's table`), { code: 'ENOTFOUND' });
  return [{ address: table[host]! }];
};

describe('a registry that resolves to a private or reserved address', () => {
  const skip = localAddress === undefined;
  if (skip) console.warn('[egress-corporate] skipped: this machine has no non-loopback private, ULA or reserved address to serve the registry on');

  it.skipIf(skip)('is refused, naming the setting that would allow it, in the status line, the header, the body and the recorded attempt', async () => {
    const { proxy, socketPath, attempts } = await startProxy('refused', createSystemResolver(lookupFrom({ [REGISTRY]: localAddress! })));
    const setting = `TANDEM_EGRESS_ALLOW_ADDRESSES=${localAddress}/${localAddress!.includes(':') ? 128 : 32}`;
    try {
      const refused = await tunnel(socketPath, `${REGISTRY}:${registryPort}`);
      expect(refused.status).toBe(`HTTP/1.1 403 Tandem network policy refused ${REGISTRY}:${registryPort}; an operator can allow it with ${setting}`);
      expect(refused.head).toContain(`X-Tandem-Refused: Tandem's network policy refused the connection to ${REGISTRY}:${registryPort}: ${REGISTRY} resolves to ${localAddress}; `);
      expect(refused.head).toContain(`an operator can allow it with ${setting}.`);
      expect(refused.body).toContain(`The host is allowed, its address is not: no one in the session can allow it. An operator can, with ${setting} in the server's environment`);
      const plain = await fetchThrough(socketPath, `http://${REGISTRY}:${registryPort}/tiny`);
      expect(plain).toMatchObject({ status: 403, statusMessage: `Tandem network policy refused ${REGISTRY}:${registryPort}; an operator can allow it with ${setting}` });
      expect(plain.refused).toContain(setting);
      expect(plain.body).toContain(setting);
      expect(attempts.map((attempt) => [attempt.allowed, attempt.reason])).toEqual([
        [false, expect.stringMatching(new RegExp(`^${REGISTRY} resolves to ${localAddress}; .*; an operator can allow it with ${setting.replace(/\./g, '\\.')}$`))],
        [false, expect.stringContaining(setting)],
      ]);
    } finally {
      await proxy.close();
    }
  });

  it.skipIf(skip)('is reached once TANDEM_EGRESS_ALLOW_ADDRESSES holds its address, by tunnel and by plain request', async () => {
    const resolver = createSystemResolver(lookupFrom({ [REGISTRY]: localAddress! }), allowance(`${localAddress}/${localAddress!.includes(':') ? 128 : 32}`));
    const { proxy, socketPath, attempts } = await startProxy('allowed', resolver);
    try {
      expect(await fetchThrough(socketPath, `http://${REGISTRY}:${registryPort}/tiny`)).toMatchObject({ status: 200, body: 'registry says hello to /tiny\n' });
      const opened = await tunnel(socketPath, `${REGISTRY}:${registryPort}`);
      expect(opened.status).toBe('HTTP/1.1 200 Connection Established');
      expect(await getOverTunnel(opened.socket, REGISTRY)).toBe('registry says hello to /through-the-tunnel\n');
      await waitFor(() => attempts.length === 2, 'both attempts to be reported');
      expect(attempts.every((attempt) => attempt.allowed)).toBe(true);
    } finally {
      await proxy.close();
    }
  });
});

describe('an allowance of everything (0.0.0.0/0, ::/0)', () => {
  it('never opens loopback or metadata, in any form, and says no setting allows it', async () => {
    const port = (loopbackTarget.address() as AddressInfo).port;
    const resolver = createSystemResolver(
      lookupFrom({ 'loopback.test': '127.0.0.1', 'metadata.test': '169.254.169.254', 'mapped.test': '::ffff:127.0.0.1', 'nat64.test': '64:ff9b::7f00:1', [REGISTRY]: '::1' }),
      allowance('0.0.0.0/0,::/0'),
    );
    const { proxy, socketPath, attempts } = await startProxy('everything', resolver);
    try {
      for (const host of ['loopback.test', 'metadata.test', 'mapped.test', 'nat64.test', REGISTRY]) {
        const plain = await fetchThrough(socketPath, `http://${host}:${port}/`);
        expect(plain.status, host).toBe(403);
        expect(plain.body, host).toContain('which sandboxes may never reach (no setting allows it)');
        expect(plain.body, host).not.toContain('TANDEM_EGRESS_ALLOW_ADDRESSES');
        expect((await tunnel(socketPath, `${host}:${port}`)).status, host).toBe(`HTTP/1.1 403 Tandem network policy refused ${host}:${port}`);
      }
      expect(loopbackHits).toBe(0);
      expect(attempts.filter((attempt) => attempt.allowed)).toEqual([]);
    } finally {
      await proxy.close();
    }
  });
});

/** A tiny upstream HTTP proxy: CONNECT tunnels and absolute-URI requests, to a fixed target (the test's loopback server). */
async function startUpstream(options: { refuseWith?: number } = {}) {
  const seen: Array<{ method: string; url: string; authorization: string | undefined }> = [];
  const target = (loopbackTarget.address() as AddressInfo).port;
  const server = createServer((incoming: IncomingMessage, response) => {
    seen.push({ method: incoming.method ?? '', url: incoming.url ?? '', authorization: incoming.headers['proxy-authorization'] });
    const forwarded = request({ host: '127.0.0.1', port: target, method: incoming.method, path: new URL(incoming.url ?? '/').pathname, headers: { host: incoming.headers.host ?? '' } }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    });
    incoming.pipe(forwarded);
  });
  server.on('connect', (incoming: IncomingMessage, client: Socket, head: Buffer) => {
    seen.push({ method: 'CONNECT', url: incoming.url ?? '', authorization: incoming.headers['proxy-authorization'] });
    if (options.refuseWith) {
      client.end(`HTTP/1.1 ${options.refuseWith} Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    const far = connect(target, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.byteLength > 0) far.write(head);
      far.pipe(client);
      client.pipe(far);
    });
    far.on('error', () => client.destroy());
    client.on('error', () => far.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return { server, seen, port };
}

/** A resolver the upstream path must never call: the upstream resolves the names it is sent. */
const noLookupHere: HostResolver = {
  resolve: async (host) => {
    throw new Error(`${host} was resolved locally`);
  },
};

describe('an upstream proxy (TANDEM_EGRESS_UPSTREAM_PROXY, else HTTPS_PROXY)', () => {
  it('carries the allowed connections by name, with its credentials; a refused host, or one resolving here to loopback or metadata, never reaches it', async () => {
    const upstream = await startUpstream();
    const settings = loadConfig({ TANDEM_EGRESS_UPSTREAM_PROXY: `http://ada:s3cret@127.0.0.1:${upstream.port}` }).egress!;
    // allowed.test has no address here (the upstream alone resolves it); the registry's is private, the upstream's call.
    const resolver = createSystemResolver(lookupFrom({ [REGISTRY]: '10.9.9.9', 'loopback.test': '127.0.0.1', 'metadata.test': '169.254.169.254' }));
    const { proxy, socketPath, attempts } = await startProxy('upstream', resolver, settings);
    try {
      const opened = await tunnel(socketPath, 'allowed.test:443');
      expect(opened.status).toBe('HTTP/1.1 200 Connection Established');
      expect(await getOverTunnel(opened.socket, 'allowed.test')).toBe('hello from the host loopback\n');
      expect(await fetchThrough(socketPath, 'http://allowed.test/plain?x=1')).toMatchObject({ status: 200, body: 'hello from the host loopback\n' });
      expect(await fetchThrough(socketPath, `http://${REGISTRY}/`)).toMatchObject({ status: 200 });
      // A name that resolves here to loopback or metadata is refused before the upstream hears of it (an upstream on this host would dial its own loopback).
      for (const host of ['loopback.test', 'metadata.test']) {
        const refused = await fetchThrough(socketPath, `http://${host}/`);
        expect(refused.status, host).toBe(403);
        expect(refused.body, host).toContain('which sandboxes may never reach (no setting allows it)');
      }
      // Refused by the policy (a name not listed, an IP literal) or the cap: the upstream never hears of them.
      for (const authority of ['blocked.test:443', '10.0.0.1:443', 'allowed.test:22']) expect((await tunnel(socketPath, authority)).status).toMatch(/^HTTP\/1\.1 403 /);
      expect((await fetchThrough(socketPath, 'http://blocked.test/')).status).toBe(403);
      const basic = `Basic ${Buffer.from('ada:s3cret').toString('base64')}`;
      expect(upstream.seen).toEqual([
        { method: 'CONNECT', url: 'allowed.test:443', authorization: basic },
        { method: 'GET', url: 'http://allowed.test/plain?x=1', authorization: basic },
        { method: 'GET', url: `http://${REGISTRY}/`, authorization: basic },
      ]);
      await waitFor(() => attempts.filter((attempt) => attempt.allowed).length === 3, 'the allowed attempts to be reported');
    } finally {
      await proxy.close();
      upstream.server.close();
    }
  });

  it('is skipped for NO_PROXY’s hosts, which are resolved and checked here', async () => {
    const upstream = await startUpstream();
    const settings = loadConfig({ HTTPS_PROXY: `http://127.0.0.1:${upstream.port}`, NO_PROXY: '.direct.test' }).egress!;
    const resolver = createTestResolver(new Map([['direct.test', { address: '127.0.0.1', port: (loopbackTarget.address() as AddressInfo).port }]]), noLookupHere);
    const { proxy, socketPath } = await startProxy('no-proxy', resolver, settings);
    try {
      expect(await fetchThrough(socketPath, 'http://direct.test/')).toMatchObject({ status: 200 });
      expect(await fetchThrough(socketPath, 'http://allowed.test/')).toMatchObject({ status: 200 });
      expect(upstream.seen.map((entry) => entry.url)).toEqual(['http://allowed.test/']);
    } finally {
      await proxy.close();
      upstream.server.close();
    }
  });

  it('answers 502 naming the upstream (without its credentials) when the upstream refuses the tunnel', async () => {
    const upstream = await startUpstream({ refuseWith: 407 });
    const settings = loadConfig({ TANDEM_EGRESS_UPSTREAM_PROXY: `http://ada:s3cret@127.0.0.1:${upstream.port}` }).egress!;
    const { proxy, socketPath } = await startProxy('upstream-refuses', noLookupHere, settings);
    try {
      const answer = await tunnel(socketPath, 'allowed.test:443');
      expect(answer.status).toBe('HTTP/1.1 502 Bad Gateway');
      expect(answer.body).toContain(`the upstream proxy http://127.0.0.1:${upstream.port} refused the tunnel to allowed.test:443: HTTP/1.1 407 Proxy Authentication Required`);
      expect(answer.body).not.toContain('s3cret');
    } finally {
      await proxy.close();
      upstream.server.close();
    }
  });
});
