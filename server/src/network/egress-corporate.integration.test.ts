import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { chmod, rm } from 'node:fs/promises';
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NetworkAttemptsResponse } from '@tandem/shared/protocol/network.js';
import { loadConfig, type Config } from '../config.js';
import { serverForFile } from '../../test-support/server-per-file.js';
import { localAllowableAddress } from '../../test-support/allowable-address.js';

/**
 * Setup behind a corporate network, through a real server, real snapshot builds, real sandboxes and
 * a real `npm install`: the server's npm_config_registry names a mirror whose name resolves to a
 * private or reserved address. Without TANDEM_EGRESS_ALLOW_ADDRESSES setup is refused and the
 * record names the setting; with it, the mirror's package is installed. The settings go through
 * loadConfig, as the server's environment would give them.
 */

const MIRROR = 'registry.corp.test';
const PACKAGE = 'tandem-tiny';

const localAddress = localAllowableAddress();
if (localAddress === undefined) console.warn('[egress-corporate.integration] skipped: this machine has no non-loopback private, ULA or reserved address to serve the mirror on');
const single = localAddress === undefined ? '' : `${localAddress}/${localAddress.includes(':') ? 128 : 32}`;

const work = mkdtempSync(path.join(os.tmpdir(), 'tandem-corporate-'));
const REPO = path.join(work, 'uses-the-mirror');
mkdirSync(path.join(REPO, '.tandem'), { recursive: true });
writeFileSync(path.join(REPO, 'package.json'), `${JSON.stringify({ name: 'uses-the-mirror', version: '1.0.0', private: true, dependencies: { [PACKAGE]: '1.0.0' } }, null, 2)}\n`);
// What npm said is kept in the snapshot, where the session reads it; the build itself succeeds either way.
writeFileSync(
  path.join(REPO, '.tandem/setup.sh'),
  [
    'npm install --no-audit --no-fund > npm-install.txt 2>&1; echo "npm exit $?" >> npm-install.txt',
    // The mirror once more through a CONNECT tunnel (-p), and a host the policy refuses.
    `curl -s -m 10 -p -o /dev/null -w 'tunnel %{http_connect} %{http_code}\\n' "\${npm_config_registry}${'tandem-tiny'}" >> npm-install.txt`,
    "curl -s -m 10 -o /dev/null -w 'unlisted %{http_connect}\\n' https://unlisted.corp.test/ >> npm-install.txt",
    'true',
    '',
  ].join('\n'),
);

/** The mirror: one package, its packument and tarball (made with npm pack), on the local address. */
let mirror: Server | undefined;
let mirrorPort = 0;
const mirrorRequests: string[] = [];
const lookups = new Map<string, string>();
/** The operator's upstream proxy: it resolves names from the same table and dials what it likes. */
let upstream: Server | undefined;
let upstreamPort = 0;
const upstreamSaw: string[] = [];

async function startUpstream(): Promise<void> {
  const target = (authority: string) => {
    const { hostname, port } = new URL(`http://${authority}`);
    return { host: lookups.get(hostname) ?? hostname, port: Number(port || 80) };
  };
  upstream = createServer((incoming: IncomingMessage, response) => {
    upstreamSaw.push(`${incoming.method} ${incoming.url}`);
    const url = new URL(incoming.url ?? '/');
    const forwarded = httpRequest({ ...target(url.host), method: incoming.method, path: `${url.pathname}${url.search}`, headers: incoming.headers }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    });
    forwarded.on('error', () => response.writeHead(502).end());
    incoming.pipe(forwarded);
  });
  upstream.on('connect', (incoming: IncomingMessage, client: Socket, head: Buffer) => {
    upstreamSaw.push(`CONNECT ${incoming.url}`);
    const { host, port } = target(incoming.url ?? '');
    const far = connect(port, host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      far.write(head);
      far.pipe(client);
      client.pipe(far);
    });
    far.on('error', () => client.destroy());
    client.on('error', () => far.destroy());
  });
  await new Promise<void>((resolve) => upstream!.listen(0, '127.0.0.1', resolve));
  upstreamPort = (upstream.address() as AddressInfo).port;
}

beforeAll(async () => {
  await chmod(work, 0o755);
  if (localAddress === undefined) return;
  const source = path.join(work, 'package-source');
  mkdirSync(source);
  writeFileSync(path.join(source, 'package.json'), JSON.stringify({ name: PACKAGE, version: '1.0.0', main: 'index.js' }));
  writeFileSync(path.join(source, 'index.js'), "module.exports = 'from the corporate mirror';\n");
  const tarballName = execFileSync('npm', ['pack', '--silent', '--pack-destination', work], { cwd: source, encoding: 'utf8' }).trim();
  const tarball = readFileSync(path.join(work, tarballName));
  mirror = createServer((request, response) => {
    mirrorRequests.push(request.url ?? '');
    if (request.url === `/${PACKAGE}`) {
      const packument = {
        name: PACKAGE,
        'dist-tags': { latest: '1.0.0' },
        versions: {
          '1.0.0': {
            name: PACKAGE,
            version: '1.0.0',
            main: 'index.js',
            dist: {
              tarball: `http://${MIRROR}:${mirrorPort}/${PACKAGE}/-/${tarballName}`,
              shasum: createHash('sha1').update(tarball).digest('hex'),
              integrity: `sha512-${createHash('sha512').update(tarball).digest('base64')}`,
            },
          },
        },
      };
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(packument));
    } else if (request.url === `/${PACKAGE}/-/${tarballName}`) {
      response.writeHead(200, { 'content-type': 'application/octet-stream' }).end(tarball);
    } else {
      response.writeHead(404).end('{}');
    }
  });
  await new Promise<void>((resolve) => mirror!.listen(0, localAddress, resolve));
  mirrorPort = (mirror.address() as AddressInfo).port;
  lookups.set(MIRROR, localAddress);
  await startUpstream();
});
afterAll(async () => {
  upstream?.close();
  mirror?.close();
  await rm(work, { recursive: true, force: true });
});

/** The names the test steers; the production resolver then checks every address as it would. */
const networkLookup = async (host: string) => {
  const address = lookups.get(host);
  if (address === undefined) throw Object.assign(new Error(`${host} is not one of the test's names`), { code: 'ENOTFOUND' });
  return [{ address }];
};

/** The server's config with these variables of its environment, parsed as at start-up. */
const withEnvironment = (env: Record<string, string>) => (config: Config): Config => ({
  ...config,
  egress: loadConfig(env).egress,
  sandbox: { ...config.sandbox, warmPoolSize: 0, repoRoots: [...config.sandbox.repoRoots, work] },
});
const mirrorEnvironment = () => ({ npm_config_registry: `http://${MIRROR}:${mirrorPort}/` });

async function setupOutcome(context: ReturnType<typeof serverForFile>, title: string) {
  const ada = await context.api.identity('Ada');
  const sessionId = await context.api.createSession(ada.token, title, REPO);
  const live = await context.server.runtime!.ensureStarted(sessionId);
  const npm = (await live.sandbox.exec('cat npm-install.txt')).stdout;
  const installed = (await live.sandbox.exec(`node -p "require('${PACKAGE}')"`)).stdout.trim();
  const registryInSession = (await live.sandbox.exec('printf %s "$npm_config_registry"')).stdout;
  const response = await fetch(`${context.server.url}/api/sessions/${sessionId}/network/attempts`, { headers: { authorization: `Bearer ${ada.token}` } });
  const { attempts } = (await response.json()) as NetworkAttemptsResponse;
  return { npm, installed, registryInSession, attempts };
}

describe.skipIf(localAddress === undefined)('setup whose registry mirror resolves to a private or reserved address', () => {
  describe('without TANDEM_EGRESS_ALLOW_ADDRESSES', () => {
    const context = serverForFile('corporate-refused', { sandboxes: true, networkLookup }, (config) => withEnvironment(mirrorEnvironment())(config));

    it('is refused, and the record names the setting that would allow it', async () => {
      const outcome = await setupOutcome(context, 'mirror refused');
      expect(outcome.npm).toMatch(/npm exit [1-9]/);
      const setting = `TANDEM_EGRESS_ALLOW_ADDRESSES=${single}`;
      // npm prints the refusal's status line: the person reading the setup log sees what to set.
      expect(outcome.npm).toContain(`403 Tandem network policy refused ${MIRROR}:${mirrorPort}; an operator can allow it with ${setting}`);
      expect(outcome.installed).not.toBe('from the corporate mirror');
      expect(outcome.npm).toContain('tunnel 403 000');
      expect(outcome.npm).toContain('unlisted 403');
      expect(outcome.attempts).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            phase: 'setup',
            host: MIRROR,
            port: mirrorPort,
            allowed: false,
            reason: expect.stringMatching(new RegExp(`^${MIRROR.replace(/\./g, '\\.')} resolves to ${localAddress}; .*; an operator can allow it with ${setting.replace(/\./g, '\\.')}$`)),
          }),
        ]),
      );
      expect(mirrorRequests).toEqual([]);
    }, 180_000);
  });

  describe('with TANDEM_EGRESS_ALLOW_ADDRESSES holding its address', () => {
    const context = serverForFile('corporate-allowed', { sandboxes: true, networkLookup }, (config) => withEnvironment({ ...mirrorEnvironment(), TANDEM_EGRESS_ALLOW_ADDRESSES: single })(config));

    it('installs from the mirror, which the session’s tools are pointed at too', async () => {
      const outcome = await setupOutcome(context, 'mirror allowed');
      expect(outcome.npm).toContain('npm exit 0');
      expect(outcome.installed).toBe('from the corporate mirror');
      expect(outcome.registryInSession).toBe(`http://${MIRROR}:${mirrorPort}/`);
      expect(outcome.npm).toContain('tunnel 200 200');
      expect(outcome.npm).toContain('unlisted 403');
      expect(mirrorRequests).toEqual(expect.arrayContaining([`/${PACKAGE}`]));
      expect(outcome.attempts).toEqual(expect.arrayContaining([expect.objectContaining({ phase: 'setup', host: MIRROR, allowed: true })]));
    }, 180_000);
  });

  describe('with an upstream proxy (TANDEM_EGRESS_UPSTREAM_PROXY)', () => {
    const context = serverForFile('corporate-upstream', { sandboxes: true, networkLookup }, (config) =>
      withEnvironment({ ...mirrorEnvironment(), TANDEM_EGRESS_UPSTREAM_PROXY: `http://127.0.0.1:${upstreamPort}` })(config),
    );

    it('carries setup’s allowed requests by name (the upstream resolves, so no address setting is needed); a refused host never reaches it', async () => {
      upstreamSaw.length = 0;
      const outcome = await setupOutcome(context, 'mirror through the upstream');
      expect(outcome.npm).toContain('npm exit 0');
      expect(outcome.installed).toBe('from the corporate mirror');
      expect(outcome.npm).toContain('tunnel 200 200');
      expect(outcome.npm).toContain('unlisted 403');
      expect(upstreamSaw).toEqual(expect.arrayContaining([`GET http://${MIRROR}:${mirrorPort}/${PACKAGE}`, `CONNECT ${MIRROR}:${mirrorPort}`]));
      expect(upstreamSaw.filter((line) => line.includes('unlisted'))).toEqual([]);
    }, 180_000);
  });
});
