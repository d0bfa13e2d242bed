import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../test-support/test-server.js';
import type { NetworkPolicy } from './connection-policy.js';
import { createEgressProxy, type ProxyAttempt } from './egress-proxy.js';
import { createTestResolver } from './host-resolver.js';

/** The proxy alone, on its unix socket: tunnels, plain requests, the per-sandbox caps and what it reports. */

const BODY_BYTES = 200 * 1024;
let dir: string;
let target: Server;
const policy: NetworkPolicy = { phase: 'session', rules: [{ pattern: 'allowed.test', source: 'operator' }] };

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tandem-proxy-'));
  target = createServer((_request, response) => response.end(Buffer.alloc(BODY_BYTES, 'x')));
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  target.close();
  await rm(dir, { recursive: true, force: true });
});

async function proxyWith(options: { maxConnections?: number; bytesPerSecond?: number }, name: string) {
  const attempts: ProxyAttempt[] = [];
  const socketPath = path.join(dir, `${name}.sock`);
  const proxy = createEgressProxy({
    socketPath,
    uid: process.getuid!(),
    policy: () => policy,
    resolver: createTestResolver(new Map([['allowed.test', { address: '127.0.0.1', port: (target.address() as AddressInfo).port }]])),
    onAttempt: (attempt) => attempts.push(attempt),
    ...options,
  });
  await proxy.listen();
  return { proxy, socketPath, attempts };
}

/** Opens a CONNECT tunnel; resolves with the proxy's status line and the socket. */
function tunnel(socketPath: string, authority: string): Promise<{ status: string; socket: Socket }> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    let head = '';
    socket.once('error', reject);
    socket.on('data', function onData(chunk) {
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      resolve({ status: head.split('\r\n')[0]!, socket });
    });
    socket.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n\r\n`);
  });
}

function fetchThrough(socketPath: string, url: string): Promise<{ status: number; bytes: number; elapsedMs: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    request({ socketPath, path: url, headers: { host: new URL(url).host } }, (response) => {
      let bytes = 0;
      response.on('data', (chunk: Buffer) => (bytes += chunk.byteLength));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, bytes, elapsedMs: Date.now() - started }));
    })
      .on('error', reject)
      .end();
  });
}

describe('the egress proxy', () => {
  it('tunnels to an allowed host and reports the attempt with its bytes once it closes', async () => {
    const { proxy, socketPath, attempts } = await proxyWith({}, 'tunnel');
    try {
      const { status, socket } = await tunnel(socketPath, 'allowed.test:443');
      expect(status).toBe('HTTP/1.1 200 Connection Established');
      let received = 0;
      socket.on('data', (chunk: Buffer) => (received += chunk.byteLength));
      socket.write('GET / HTTP/1.1\r\nHost: allowed.test\r\nConnection: close\r\n\r\n');
      await new Promise((resolve) => socket.once('close', resolve));
      expect(received).toBeGreaterThan(BODY_BYTES);
      await waitFor(() => attempts.length === 1, 'the attempt to be reported');
      expect(attempts[0]).toMatchObject({ host: 'allowed.test', port: 443, allowed: true, bytesIn: received });
      expect(attempts[0]!.bytesOut).toBeGreaterThan(0);
    } finally {
      await proxy.close();
    }
  });

  it('refuses a tunnel past the per-sandbox connection cap, saying so', async () => {
    const { proxy, socketPath, attempts } = await proxyWith({ maxConnections: 2 }, 'cap');
    try {
      const open = [await tunnel(socketPath, 'allowed.test:443'), await tunnel(socketPath, 'allowed.test:443')];
      expect(open.map((entry) => entry.status)).toEqual(['HTTP/1.1 200 Connection Established', 'HTTP/1.1 200 Connection Established']);
      const third = await tunnel(socketPath, 'allowed.test:443');
      expect(third.status).toBe('HTTP/1.1 429 Tandem network policy refused allowed.test:443');
      expect(attempts.at(-1)).toMatchObject({ allowed: false, reason: 'this sandbox already has 2 connections open, the most it may' });
      open[0]!.socket.destroy();
      await waitFor(() => attempts.filter((attempt) => attempt.allowed).length === 1, 'the closed tunnel to be reported');
      expect((await tunnel(socketPath, 'allowed.test:443')).status).toBe('HTTP/1.1 200 Connection Established');
    } finally {
      await proxy.close();
    }
  });

  it('holds a sandbox to its bandwidth: past one second’s worth, bytes wait for the bucket', async () => {
    const bytesPerSecond = 100 * 1024;
    const { proxy, socketPath } = await proxyWith({ bytesPerSecond }, 'bandwidth');
    try {
      const answer = await fetchThrough(socketPath, 'http://allowed.test/big');
      expect(answer).toMatchObject({ status: 200, bytes: BODY_BYTES });
      // One second's worth flows at once, the other 100 KiB at 100 KiB/s.
      expect(answer.elapsedMs).toBeGreaterThanOrEqual(800);
    } finally {
      await proxy.close();
    }
  });
});

describe('the bandwidth cap across connections', () => {
  it('is one bucket per sandbox: several connections at once share it, they do not each get it', async () => {
    // An endless body per request, so every connection would take all the bandwidth it is given.
    const endless = createServer((_request, response) => {
      const chunk = Buffer.alloc(64 * 1024, 'y');
      const pump = () => {
        while (response.write(chunk));
        response.once('drain', pump);
      };
      response.on('close', () => response.removeAllListeners('drain'));
      pump();
    });
    await new Promise<void>((resolve) => endless.listen(0, '127.0.0.1', resolve));
    const bytesPerSecond = 256 * 1024;
    const connections = 4;
    const socketPath = path.join(dir, 'shared-bucket.sock');
    const proxy = createEgressProxy({
      socketPath,
      uid: process.getuid!(),
      policy: () => policy,
      resolver: createTestResolver(new Map([['allowed.test', { address: '127.0.0.1', port: (endless.address() as AddressInfo).port }]])),
      onAttempt: () => {},
      bytesPerSecond,
    });
    await proxy.listen();
    let received = 0;
    const requests: Array<ReturnType<typeof request>> = [];
    const started = Date.now();
    try {
      for (let index = 0; index < connections; index += 1) {
        requests.push(
          request({ socketPath, path: `http://allowed.test/endless/${index}`, headers: { host: 'allowed.test' } }, (response) => {
            response.on('data', (chunk: Buffer) => (received += chunk.byteLength));
          })
            .on('error', () => {})
            .end(),
        );
      }
      // Well past the free first second's worth, so a per-connection bucket would show.
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      const elapsedSeconds = (Date.now() - started) / 1000;
      const total = received;
      // Measured over bytes, with the test's own (longer) clock: a loaded machine only lowers the total.
      // One bucket: its first second's worth plus the refill, plus one chunk in flight per connection.
      // Per-connection buckets would give about `connections` times the first two terms.
      const bound = bytesPerSecond * (1 + elapsedSeconds) + connections * 64 * 1024;
      expect(total, `${total} bytes in ${elapsedSeconds.toFixed(2)} s through a cap of ${bytesPerSecond} bytes/s`).toBeLessThanOrEqual(bound * 1.25);
      expect(total).toBeGreaterThan(bytesPerSecond / 2);
    } finally {
      for (const each of requests) each.destroy();
      await proxy.close();
      endless.closeAllConnections();
      endless.close();
    }
  });
});

describe('the connection cap under a burst', () => {
  it('holds while names are still resolving', async () => {
    const attempts: ProxyAttempt[] = [];
    const socketPath = path.join(dir, 'burst.sock');
    let release: () => void = () => {};
    const resolving = new Promise<void>((resolve) => (release = resolve));
    const proxy = createEgressProxy({
      socketPath,
      uid: process.getuid!(),
      policy: () => policy,
      // A slow resolver: every lookup waits until the test lets them all go at once.
      resolver: { resolve: async (_host, port) => (await resolving, { ok: true, address: '127.0.0.1', port: (target.address() as AddressInfo).port || port }) },
      onAttempt: (attempt) => attempts.push(attempt),
      maxConnections: 3,
    });
    await proxy.listen();
    try {
      const tunnels = Array.from({ length: 6 }, () => tunnel(socketPath, 'allowed.test:443'));
      await waitFor(() => attempts.filter((attempt) => !attempt.allowed).length === 3, 'the burst past the cap to be refused');
      release();
      const statuses = (await Promise.all(tunnels)).map((entry) => entry.status.split(' ')[1]);
      expect(statuses.sort()).toEqual(['200', '200', '200', '429', '429', '429']);
    } finally {
      await proxy.close();
    }
  });
});
