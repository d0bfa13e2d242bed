import { request as httpRequest, type ClientRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { UpstreamProxy } from './egress-settings.js';

/**
 * The server's side of an upstream proxy (TANDEM_EGRESS_UPSTREAM_PROXY, else HTTPS_PROXY): a
 * tunnel opened with CONNECT for a host the sandbox's policy allowed, and plain-HTTP requests
 * forwarded as absolute URIs. Only the server talks to the upstream; its credentials never reach a
 * sandbox, and what the sandbox sees of a failure names the proxy without them.
 */

/** The longest answer head the upstream may send to CONNECT. */
const MAX_CONNECT_HEAD_BYTES = 16 * 1024;

function open(proxy: UpstreamProxy): Socket {
  return proxy.tls ? tlsConnect({ host: proxy.host, port: proxy.port, servername: isIP(proxy.host) === 0 ? proxy.host : undefined }) : netConnect({ host: proxy.host, port: proxy.port });
}

/** Opens a tunnel to `host:port` through the upstream; resolves once it answered 2xx. */
export function connectThroughUpstream(proxy: UpstreamProxy, host: string, port: number, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = open(proxy);
    let head = Buffer.alloc(0);
    const fail = (message: string) => {
      socket.destroy();
      reject(new Error(`the upstream proxy ${proxy.display} ${message}`));
    };
    socket.setTimeout(timeoutMs, () => fail(`did not answer within ${timeoutMs / 1000} s`));
    socket.once('error', (error) => fail(`could not be reached (${error.message})`));
    socket.once('close', () => fail('closed the connection before answering'));
    socket.once(proxy.tls ? 'secureConnect' : 'connect', () => {
      const authority = `${host}:${port}`;
      socket.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n${proxy.authorization ? `Proxy-Authorization: ${proxy.authorization}\r\n` : ''}\r\n`);
    });
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end === -1) {
        if (head.byteLength > MAX_CONNECT_HEAD_BYTES) fail('sent an answer head too long to be one');
        return;
      }
      socket.off('data', onData);
      socket.removeAllListeners('close');
      socket.removeAllListeners('error');
      socket.setTimeout(0);
      const statusLine = head.subarray(0, head.indexOf('\r\n')).toString('latin1');
      if (!/^HTTP\/1\.[01] 2\d\d/.test(statusLine)) {
        fail(`refused the tunnel to ${host}:${port}: ${statusLine.replace(/[^\x20-\x7e]/g, '').slice(0, 200)}`);
        return;
      }
      // Whatever the far end sent right after the answer belongs to the tunnel.
      const rest = head.subarray(end + 4);
      if (rest.byteLength > 0) socket.unshift(rest);
      resolve(socket);
    };
    socket.on('data', onData);
  });
}

/** A plain-HTTP request for `url` sent to the upstream as an absolute URI. */
export function requestThroughUpstream(proxy: UpstreamProxy, url: URL, options: Pick<RequestOptions, 'method' | 'headers' | 'timeout'>): ClientRequest {
  const headers = { ...options.headers, ...(proxy.authorization ? { 'proxy-authorization': proxy.authorization } : {}) };
  const common = { host: proxy.host, port: proxy.port, method: options.method, path: url.href, headers, setHost: false, timeout: options.timeout };
  return proxy.tls ? httpsRequest({ ...common, servername: isIP(proxy.host) === 0 ? proxy.host : undefined }) : httpRequest(common);
}
