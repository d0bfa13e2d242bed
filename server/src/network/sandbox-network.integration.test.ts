import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, waitFor } from '../../test-support/test-server.js';
import { createLocalSandboxProvider } from '../sandbox/local/local-provider.js';
import type { LocalSandbox } from '../sandbox/local/local-sandbox.js';
import { createSnapshotStore } from '../sandbox/local/snapshots.js';
import type { NetworkPolicy } from './connection-policy.js';
import type { ProxyAttempt } from './egress-proxy.js';
import { createTestResolver } from './host-resolver.js';
import { SANDBOX_PROXY_PORT } from './sandbox-network.js';

/**
 * Real sandboxes, real proxy: what a hostile setup script and a session shell can reach. The only
 * host a test can allow is `allowed.test`, mapped to a local test server by the test-only resolver;
 * every other name goes through the production resolver, which refuses loopback.
 */

/** Each probe prints "<label> <http status or 000> <first line of the body>". */
function probes(serverPort: number): string {
  const proxy = `--noproxy '' -x http://127.0.0.1:${SANDBOX_PROXY_PORT}`;
  const through = (label: string, url: string) =>
    url.startsWith('https:')
      ? // A refused tunnel: the proxy's answer to CONNECT, as curl -v shows it.
        `printf '%s ' ${label}; curl -sv -m 10 ${proxy} ${url} 2>&1 | grep -m1 -i '^< x-tandem-refused:' | sed 's/^< [^:]*: /403 /' | tr -d '\\r'`
      : `printf '%s ' ${label}; rm -f /tmp/body; curl -s -m 10 -o /tmp/body -w '%{http_code} ' ${proxy} ${url}; head -c 300 /tmp/body | head -n 1; echo`;
  const direct = (label: string, port: number) => `(exec 3<>/dev/tcp/127.0.0.1/${port}) 2>/dev/null && echo "${label} connected" || echo "${label} unreachable"`;
  return [
    through('server-port', `http://127.0.0.1:${serverPort}/api/health`),
    through('postgres', 'https://127.0.0.1:5432/'),
    through('private', 'http://10.0.0.1/'),
    through('metadata', 'http://169.254.169.254/latest/meta-data/'),
    through('localhost-name', 'http://localhost/'),
    through('unlisted', 'https://example.org/'),
    through('allowed', 'http://allowed.test/hello'),
    // The default proxy env: curl picks HTTP_PROXY up by itself.
    `printf 'env-proxy '; curl -s -m 10 http://allowed.test/hello | head -n 1`,
    direct('direct-server-port', serverPort),
    direct('direct-postgres', 5432),
  ].join('\n');
}

function parse(output: string): Map<string, string> {
  return new Map(output.trim().split('\n').map((line) => [line.split(' ')[0]!, line.slice(line.indexOf(' ') + 1)]));
}

function expectAllRefusedButAllowed(results: Map<string, string>) {
  for (const label of ['server-port', 'postgres', 'private', 'metadata', 'localhost-name', 'unlisted']) {
    expect(results.get(label), label).toMatch(/^403 Tandem's network policy refused the connection to /);
  }
  expect(results.get('metadata')).toContain('169.254.169.254:80: 169.254.169.254 is a cloud metadata address');
  expect(results.get('localhost-name')).toContain('localhost resolves to 127.0.0.1; 127.0.0.1 is a loopback address');
  expect(results.get('allowed')).toBe('200 hello from the allowed host');
  expect(results.get('env-proxy')).toBe('hello from the allowed host');
  expect(results.get('direct-server-port')).toBe('unreachable');
  expect(results.get('direct-postgres')).toBe('unreachable');
}

let dir: string;
let allowedServer: Server;
const setupAttempts: ProxyAttempt[] = [];
let provider: ReturnType<typeof createLocalSandboxProvider>;
let snapshots: ReturnType<typeof createSnapshotStore>;
let setupOutput: string;
let serverPort = 0;

// `localhost` is named, so the refusal comes from the address check, not from the policy.
const rules = (phase: NetworkPolicy['phase']): NetworkPolicy => ({
  phase,
  rules: [
    { pattern: 'allowed.test', source: 'operator' },
    { pattern: 'localhost', source: 'operator' },
    { pattern: 'localhost:5432', source: 'operator' },
  ],
});

beforeAll(async () => {
  dir = await makeTempDir('network');
  await chmod(dir, 0o711);
  allowedServer = createServer((_request, response) => response.end('hello from the allowed host\n'));
  await new Promise<void>((resolve) => allowedServer.listen(0, '127.0.0.1', resolve));
  const resolver = createTestResolver(new Map([['allowed.test', { address: '127.0.0.1', port: (allowedServer.address() as AddressInfo).port }]]));
  snapshots = createSnapshotStore({ dir: path.join(dir, 'snapshots'), allowedRepoRoots: [dir], protectedDirs: [path.join(dir, 'sandboxes')], runSetup: (treeDir, script, repo, toolsDir) => provider.runSetup(treeDir, script, { repo, toolsDir }) });
  provider = createLocalSandboxProvider({
    dir: path.join(dir, 'sandboxes'),
    snapshots,
    network: { resolver, setupPolicy: async () => rules('setup'), onSetupAttempt: (_tree, attempt) => setupAttempts.push(attempt) },
  });
  const repo = path.join(dir, 'repo');
  await mkdir(path.join(repo, '.tandem'), { recursive: true });
  // The server's port: one that really listens on the host's loopback (the allowed test server's), so a
  // sandbox sharing the host's network would connect to it directly.
  serverPort = (allowedServer.address() as AddressInfo).port;
  await writeFile(path.join(repo, '.tandem/probes.sh'), probes(serverPort));
  await writeFile(path.join(repo, '.tandem/setup.sh'), 'bash .tandem/probes.sh > .tandem/setup-probes.txt 2>&1\n');
  const snapshot = await snapshots.build(repo);
  setupOutput = await readFile(path.join(snapshots.treeDir(snapshot), '.tandem/setup-probes.txt'), 'utf8');
  sandboxSnapshot = snapshot;
}, 120_000);
let sandboxSnapshot: Awaited<ReturnType<typeof snapshots.build>>;

afterAll(async () => {
  allowedServer?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('a sandbox network', () => {
  it("keeps a setup script off the host's network: only what the setup policy names, through the proxy", () => {
    expectAllRefusedButAllowed(parse(setupOutput));
    const denied = setupAttempts.filter((attempt) => !attempt.allowed).map((attempt) => `${attempt.host}:${attempt.port}`);
    expect(denied).toEqual(expect.arrayContaining([`127.0.0.1:${serverPort}`, '127.0.0.1:5432', '10.0.0.1:80', '169.254.169.254:80', 'localhost:80', 'example.org:443']));
    expect(setupAttempts.every((attempt) => attempt.phase === 'setup')).toBe(true);
  });

  it('keeps a session shell to its policy, and tells every attempt with its bytes', async () => {
    const sandbox = (await provider.create({ sessionId: 'network-test', snapshot: sandboxSnapshot })) as LocalSandbox;
    const attempts: ProxyAttempt[] = [];
    try {
      sandbox.network.onAttempt((attempt) => attempts.push(attempt));
      // A fresh sandbox reaches nothing at all, not even the allowed test host.
      const closed = await sandbox.exec(`curl -s -m 10 -w ' %{http_code}' http://allowed.test/hello`);
      expect(closed.stdout).toMatch(/allowed\.test:80 is not in this session's network policy[\s\S]* 403$/);
      sandbox.network.setPolicy(rules('session'));
      const shell = await sandbox.openPty({ cols: 200, rows: 50 });
      let screen = '';
      shell.onData((data) => (screen += data));
      shell.write('bash .tandem/probes.sh > session-probes.txt 2>&1; echo PROBES-$((40+2))\r');
      await waitFor(() => screen.includes('PROBES-42'), 'the session shell to run the probes', 60_000);
      shell.kill();
      expectAllRefusedButAllowed(parse((await sandbox.exec('cat session-probes.txt')).stdout));
      const allowed = attempts.find((attempt) => attempt.allowed && attempt.host === 'allowed.test');
      expect(allowed).toMatchObject({ port: 80, phase: 'session', bytesIn: expect.any(Number) });
      expect(allowed!.bytesIn).toBeGreaterThan('hello from the allowed host'.length);
      expect(attempts.filter((attempt) => !attempt.allowed).map((attempt) => attempt.host)).toEqual(expect.arrayContaining(['127.0.0.1', '10.0.0.1', '169.254.169.254', 'localhost', 'example.org']));
      // Still only its own loopback.
      expect((await sandbox.exec(`tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '`)).stdout.trim()).toBe('lo');
    } finally {
      await sandbox.close();
    }
  }, 90_000);
});
