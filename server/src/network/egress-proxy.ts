import { chmod, chown, rm } from 'node:fs/promises';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Duplex, Readable, Writable } from 'node:stream';
import { createBandwidthLimiter, type BandwidthLimiter } from './bandwidth-limiter.js';
import { decideConnection, normalizeHost, type NetworkPhase, type NetworkPolicy } from './connection-policy.js';
import { decideUpstream, type EgressSettings, type UpstreamProxy } from './egress-settings.js';
import type { HostResolver } from './host-resolver.js';
import { connectThroughUpstream, requestThroughUpstream } from './upstream-proxy.js';

/**
 * The egress proxy of one sandbox: an HTTP proxy (CONNECT tunnels and plain absolute-URI requests)
 * on a unix socket that only that sandbox's relay can reach. Every attempt is decided by the
 * sandbox's current policy, the name is resolved here and the checked address is the one dialled,
 * and every attempt is reported once it is over (with the bytes it moved). With an upstream proxy
 * (TANDEM_EGRESS_UPSTREAM_PROXY or the server's HTTPS_PROXY), an allowed connection goes through it
 * by name: the upstream resolves, so the policy is decided on the name alone.
 */

/** Connections one sandbox may have open through the proxy at once. */
export const MAX_PROXY_CONNECTIONS_PER_SANDBOX = 32;
/** Bytes per second one sandbox may move through the proxy, both directions together. */
export const PROXY_BANDWIDTH_BYTES_PER_SECOND = 8 * 1024 * 1024;
/** How long dialling an allowed host may take. */
export const PROXY_CONNECT_TIMEOUT_MS = 10_000;
/**
 * With an upstream proxy, how long the proxy waits for its own lookup of an allowed name: one that
 * resolves here to an address no setting opens (loopback, metadata) is refused; an answer later
 * than this, or none, leaves the name to the upstream.
 */
export const UPSTREAM_LOCAL_CHECK_MS = 1_000;
/** A tunnel or request idle this long is closed. */
export const PROXY_IDLE_TIMEOUT_MS = 5 * 60_000;

export type { ProxyAttempt } from './policy-types.js';
import type { ProxyAttempt } from './policy-types.js';

/**
 * An attempt as the server may keep and show it: the host is whatever the sandbox asked for (a
 * secret used as a host name), so it and the reason quoting it pass the redactor.
 */
export function redactAttempt(attempt: ProxyAttempt, redact: (text: string) => string): ProxyAttempt {
  return { ...attempt, host: redact(attempt.host), reason: redact(attempt.reason) };
}

export interface EgressProxyOptions {
  socketPath: string;
  /** The sandbox uid that alone may connect to the socket. */
  uid: number;
  policy(): NetworkPolicy;
  resolver: HostResolver;
  /** The operator's upstream proxy and the hosts that bypass it (absent: every allowed host is dialled here). */
  upstream?: Pick<EgressSettings, 'upstreamProxy' | 'noProxy'>;
  onAttempt(attempt: ProxyAttempt): void;
  maxConnections?: number;
  bytesPerSecond?: number;
}

/**
 * What the sandbox process reads when refused: the host, why, and how a person can allow it. An
 * address refusal of an allowed host names the operator's `setting` instead: no person in the
 * session can lift it.
 */
export function refusalText(host: string, port: number, reason: string, phase: NetworkPhase, setting?: string): string {
  const howTo = setting
    ? `The host is allowed, its address is not: no one in the session can allow it. An operator can, with ${setting} in the server's environment (added to the CIDRs it already lists), then a restart.`
    : phase === 'setup'
      ? 'To allow it, list the host in network.setup of the repo\'s .tandem/environment.json (an owner approves the file), or in TANDEM_SETUP_HOSTS on the server.'
      : 'To allow it, an editor can press "Allow for this session" on the session page (or POST /api/sessions/<id>/network/allow {"host": "' +
        host +
        '"}), or the repo can list it in network.session of .tandem/environment.json (the owner approves the file).';
  return `Tandem's network policy refused the connection to ${host}:${port}: ${reason}.\n${howTo}\n`;
}

/** The refusal's status line text (pip and npm print it): with the operator's setting when one would allow it. */
function refusalStatus(host: string, port: number, setting: string | undefined): string {
  return `Tandem network policy refused ${host}:${port}${setting ? `; an operator can allow it with ${setting}` : ''}`.replace(/[^\x20-\x7e]/g, '');
}

/** Copies `from` into `to`, counting bytes and pausing for the shared bandwidth bucket and for back-pressure. */
function relay(from: Readable, to: Writable, limiter: BandwidthLimiter, count: (bytes: number) => void): void {
  let holds = 0;
  const hold = () => {
    if (holds++ === 0) from.pause();
  };
  const release = () => {
    if (--holds === 0) from.resume();
  };
  from.on('data', (chunk: Buffer) => {
    count(chunk.byteLength);
    if (!to.write(chunk)) {
      hold();
      to.once('drain', release);
    }
    const waitMs = limiter.take(chunk.byteLength);
    if (waitMs > 0) {
      hold();
      setTimeout(release, waitMs).unref();
    }
  });
  from.on('end', () => to.end());
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authorization', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

export function createEgressProxy(options: EgressProxyOptions) {
  const maxConnections = options.maxConnections ?? MAX_PROXY_CONNECTIONS_PER_SANDBOX;
  const limiter = createBandwidthLimiter(options.bytesPerSecond ?? PROXY_BANDWIDTH_BYTES_PER_SECOND);
  let open = 0;
  const sockets = new Set<Socket>();

  /** Decides and resolves one attempt; reports a refusal at once. */
  type Route = { kind: 'direct'; address: string; port: number } | { kind: 'upstream'; proxy: UpstreamProxy };
  async function admit(host: string, port: number): Promise<{ ok: true; route: Route; finish: (bytesOut: number, bytesIn: number) => void } | { ok: false; status: number; text: string; setting?: string }> {
    const policy = options.policy();
    const refuse = (reason: string, status = 403, setting?: string) => {
      options.onAttempt({ host, port, phase: policy.phase, allowed: false, reason, bytesOut: 0, bytesIn: 0, atMs: Date.now() });
      return { ok: false as const, status, text: refusalText(host, port, reason, policy.phase, setting), setting };
    };
    if (open >= maxConnections) return refuse(`this sandbox already has ${maxConnections} connections open, the most it may`, 429);
    const decision = decideConnection(policy, host, port);
    if (!decision.allowed) return refuse(decision.reason);
    // Counted from before the lookup: a burst of requests must not all pass the cap while names resolve.
    open += 1;
    const upstream = options.upstream ? decideUpstream(options.upstream, host, port) : ({ kind: 'direct' } as const);
    let route: Route;
    if (upstream.kind === 'upstream') {
      // The upstream resolves the name and dials what it finds (the operator trusts it). Best effort
      // here: a name that resolves on this machine to loopback, link-local or metadata is refused,
      // so an upstream on this host is not led to its own loopback; private addresses are the upstream's call.
      let timer: NodeJS.Timeout | undefined;
      const local = await Promise.race([
        options.resolver.resolve(host, port).catch(() => null),
        new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), UPSTREAM_LOCAL_CHECK_MS))),
      ]);
      clearTimeout(timer);
      if (local && !local.ok && local.never) {
        open -= 1;
        return refuse(local.reason);
      }
      route = { kind: 'upstream', proxy: upstream.proxy };
    } else {
      const target = await options.resolver.resolve(host, port).catch((error: unknown) => ({ ok: false as const, reason: `${host} could not be resolved (${(error as Error).message})`, setting: undefined }));
      if (!target.ok) {
        open -= 1;
        return refuse(target.reason, 403, target.setting);
      }
      route = { kind: 'direct', address: target.address, port: target.port };
    }
    let finished = false;
    return {
      ok: true,
      route,
      finish: (bytesOut, bytesIn) => {
        if (finished) return;
        finished = true;
        open -= 1;
        options.onAttempt({ host, port, phase: policy.phase, allowed: true, reason: decision.reason, bytesOut, bytesIn, atMs: Date.now() });
      },
    };
  }

  function dial(route: Route, host: string, port: number): Promise<Socket> {
    return route.kind === 'upstream' ? connectThroughUpstream(route.proxy, host, port, PROXY_CONNECT_TIMEOUT_MS) : dialAddress(route.address, route.port);
  }

  function dialAddress(address: string, port: number): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const upstream = connect({ host: address, port, timeout: PROXY_CONNECT_TIMEOUT_MS });
      const fail = (error: Error) => {
        upstream.destroy();
        reject(error);
      };
      upstream.once('timeout', () => fail(new Error(`no answer within ${PROXY_CONNECT_TIMEOUT_MS / 1000} s`)));
      upstream.once('error', fail);
      upstream.once('connect', () => {
        upstream.off('error', fail);
        upstream.setTimeout(PROXY_IDLE_TIMEOUT_MS);
        resolve(upstream);
      });
    });
  }

  async function onConnect(request: IncomingMessage, client: Duplex, head: Buffer): Promise<void> {
    client.on('error', () => client.destroy());
    const match = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(request.url ?? '');
    if (!match) {
      client.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      return;
    }
    const host = normalizeHost(match[1]!);
    const port = Number(match[2]);
    const admitted = await admit(host, port);
    if (!admitted.ok) {
      // Clients rarely show a refused tunnel's body, so the status line and a header say it too (pip and npm print the status line).
      const body = Buffer.from(admitted.text);
      const statusLine = `${admitted.status} ${refusalStatus(host, port, admitted.setting)}`;
      const header = admitted.text.replace(/\s+/g, ' ').replace(/[^\x20-\x7e]/g, '').trim();
      client.end(`HTTP/1.1 ${statusLine}\r\nX-Tandem-Refused: ${header}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${body.byteLength}\r\nConnection: close\r\n\r\n${body}`);
      return;
    }
    let bytesOut = head.byteLength;
    let bytesIn = 0;
    let upstream: Socket;
    try {
      upstream = await dial(admitted.route, host, port);
    } catch (error) {
      admitted.finish(0, 0);
      client.end(`HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nTandem's proxy could not reach ${host}:${port}: ${(error as Error).message}\n`);
      return;
    }
    sockets.add(upstream);
    const done = () => {
      sockets.delete(upstream);
      upstream.destroy();
      client.destroy();
      admitted.finish(bytesOut, bytesIn);
    };
    upstream.on('error', done).on('close', done).on('timeout', done);
    client.on('close', done);
    client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.byteLength > 0) upstream.write(head);
    relay(client, upstream, limiter, (bytes) => (bytesOut += bytes));
    relay(upstream, client, limiter, (bytes) => (bytesIn += bytes));
  }

  async function onRequest(request: IncomingMessage, response: ServerResponse): Promise<void> {
    let url: URL;
    try {
      url = new URL(request.url ?? '');
    } catch {
      response.writeHead(400, { 'content-type': 'text/plain' }).end('Tandem\'s proxy takes absolute http:// URLs (or CONNECT for https)\n');
      return;
    }
    if (url.protocol !== 'http:') {
      response.writeHead(400, { 'content-type': 'text/plain' }).end(`Tandem's proxy forwards http:// only; ${url.protocol} goes through CONNECT\n`);
      return;
    }
    const host = normalizeHost(url.hostname);
    const port = url.port === '' ? 80 : Number(url.port);
    const admitted = await admit(host, port);
    if (!admitted.ok) {
      response.writeHead(admitted.status, refusalStatus(host, port, admitted.setting), { 'content-type': 'text/plain; charset=utf-8', 'x-tandem-refused': admitted.text.replace(/\s+/g, ' ').replace(/[^\x20-\x7e]/g, '').trim() }).end(admitted.text);
      return;
    }
    let bytesOut = 0;
    let bytesIn = 0;
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(request.headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
    headers.host = url.host;
    const route = admitted.route;
    const upstream =
      route.kind === 'upstream'
        ? // The upstream gets the absolute URI and resolves the name itself.
          requestThroughUpstream(route.proxy, url, { method: request.method, headers, timeout: PROXY_CONNECT_TIMEOUT_MS })
        : // The checked address, not the name: nothing resolves the name again between check and dial.
          httpRequest({ host: route.address, port: route.port, method: request.method, path: `${url.pathname}${url.search}`, headers, setHost: false, timeout: PROXY_CONNECT_TIMEOUT_MS });
    const done = () => admitted.finish(bytesOut, bytesIn);
    upstream.on('response', (answer) => {
      const answerHeaders: Record<string, string | string[]> = {};
      for (const [name, value] of Object.entries(answer.headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) answerHeaders[name] = value;
      response.writeHead(answer.statusCode ?? 502, answerHeaders);
      relay(answer, response, limiter, (bytes) => (bytesIn += bytes));
      answer.on('close', done);
    });
    upstream.on('timeout', () => upstream.destroy(new Error(`no answer within ${PROXY_CONNECT_TIMEOUT_MS / 1000} s`)));
    upstream.on('error', (error) => {
      done();
      if (!response.headersSent) response.writeHead(502, { 'content-type': 'text/plain' }).end(`Tandem's proxy could not reach ${host}:${port}: ${error.message}\n`);
      else response.destroy();
    });
    response.on('close', () => {
      upstream.destroy();
      done();
    });
    relay(request, upstream, limiter, (bytes) => (bytesOut += bytes));
  }

  const server: Server = createServer({ requestTimeout: PROXY_IDLE_TIMEOUT_MS });
  server.on('connect', (request: IncomingMessage, client: Duplex, head: Buffer) => void onConnect(request, client, head).catch(() => client.destroy()));
  server.on('request', (request: IncomingMessage, response: ServerResponse) => void onRequest(request, response).catch(() => response.destroy()));
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  return {
    async listen(): Promise<void> {
      await rm(options.socketPath, { force: true });
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.socketPath, () => resolve());
      });
      // Only the sandbox's own uid (its relay) may connect.
      await chown(options.socketPath, options.uid, options.uid);
      await chmod(options.socketPath, 0o600);
    },
    async close(): Promise<void> {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(options.socketPath, { force: true });
    },
  };
}
export type EgressProxy = ReturnType<typeof createEgressProxy>;
