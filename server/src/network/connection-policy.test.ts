import { describe, expect, it } from 'vitest';
import { decideAddress } from './address-policy.js';
import { decideConnection, type NetworkPolicy } from './connection-policy.js';
import { createSystemResolver } from './host-resolver.js';
import { decideSetupPolicy, ecosystemHosts } from './setup-hosts.js';

const policy: NetworkPolicy = {
  phase: 'session',
  rules: [
    { pattern: 'registry.npmjs.org', source: 'operator' },
    { pattern: '*.example.com', source: 'repo' },
    { pattern: 'db.internal.test:5432', source: 'session', openedBy: 'Ada' },
  ],
};

describe('the connection policy', () => {
  it('allows named hosts on the web ports, subdomains of a wildcard, and a named port', () => {
    expect(decideConnection(policy, 'registry.npmjs.org', 443)).toMatchObject({ allowed: true, reason: expect.stringContaining("server's defaults") });
    expect(decideConnection(policy, 'REGISTRY.npmjs.org.', 80).allowed).toBe(true);
    expect(decideConnection(policy, 'api.example.com', 443)).toMatchObject({ allowed: true, reason: expect.stringContaining('environment.json') });
    expect(decideConnection(policy, 'db.internal.test', 5432)).toMatchObject({ allowed: true, reason: expect.stringContaining('by Ada') });
  });

  it('denies other hosts, other ports, the wildcard apex and look-alike names', () => {
    expect(decideConnection(policy, 'evil.com', 443)).toMatchObject({ allowed: false, reason: 'evil.com:443 is not in this session\'s network policy' });
    expect(decideConnection(policy, 'registry.npmjs.org', 22).allowed).toBe(false);
    expect(decideConnection(policy, 'example.com', 443).allowed).toBe(false);
    expect(decideConnection(policy, 'evilexample.com', 443).allowed).toBe(false);
    expect(decideConnection(policy, 'registry.npmjs.org.evil.com', 443).allowed).toBe(false);
    expect(decideConnection(policy, 'db.internal.test', 443).allowed).toBe(false);
  });

  it('denies IP literals: loopback, private, metadata and public alike', () => {
    expect(decideConnection(policy, '127.0.0.1', 5432)).toMatchObject({ allowed: false, reason: expect.stringContaining('loopback') });
    expect(decideConnection(policy, '[::1]', 443)).toMatchObject({ allowed: false, reason: expect.stringContaining('loopback') });
    expect(decideConnection(policy, '169.254.169.254', 80)).toMatchObject({ allowed: false, reason: expect.stringContaining('metadata') });
    expect(decideConnection(policy, '93.184.216.34', 443)).toMatchObject({ allowed: false, reason: expect.stringContaining('by name only') });
  });
});

describe('the address check', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.8.9.10', 'loopback'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.20.0.1', 'private'],
    ['192.168.1.1', 'private'],
    ['fd12::1', 'private'],
    ['100.64.0.1', 'carrier-grade-nat'],
    ['169.254.1.1', 'link-local'],
    ['fe80::1', 'link-local'],
    ['169.254.169.254', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['64:ff9b::7f00:1', 'reserved'],
    // IPv4-compatible IPv6 (::/96) carries an IPv4 address: here the loopback, a private one and the metadata one.
    ['::7f00:1', 'reserved'],
    ['::a00:1', 'reserved'],
    ['::a9fe:a9fe', 'reserved'],
    ['::127.0.0.1', 'reserved'],
    ['224.0.0.1', 'multicast'],
  ])('refuses %s (%s)', (address, kind) => {
    expect(decideAddress(address)).toMatchObject({ allowed: false, kind });
  });

  it('allows public addresses', () => {
    expect(decideAddress('151.101.1.35')).toEqual({ allowed: true });
    expect(decideAddress('2606:4700::1111')).toEqual({ allowed: true });
  });

  it('refuses a name when any address it resolves to is refused (no partial rebinding)', async () => {
    const resolver = createSystemResolver(async () => [{ address: '151.101.1.35' }, { address: '127.0.0.1' }]);
    expect(await resolver.resolve('rebind.example', 443)).toMatchObject({ ok: false, reason: expect.stringContaining('loopback') });
    expect(await createSystemResolver().resolve('localhost', 80)).toMatchObject({ ok: false, reason: expect.stringContaining('loopback') });
  });

  it('refuses a name that resolves to an IPv4-compatible IPv6 address (::7f00:1 is 127.0.0.1)', async () => {
    const resolver = createSystemResolver(async () => [{ address: '::7f00:1' }]);
    expect(await resolver.resolve('compat.example', 443)).toMatchObject({ ok: false, reason: expect.stringContaining('::7f00:1 is a reserved address') });
  });
});

describe('the setup defaults', () => {
  it('are the registries of the ecosystems the repo uses', () => {
    expect(ecosystemHosts(['package.json', 'README.md'])).toEqual(['registry.npmjs.org', 'registry.yarnpkg.com']);
    expect(ecosystemHosts(['requirements-dev.txt'])).toEqual(['pypi.org', 'files.pythonhosted.org']);
    expect(ecosystemHosts(['README.md'])).toEqual([]);
  });

  it('are replaced by the operator list, which can keep them with "auto", and widened by an approved repo', () => {
    expect(decideSetupPolicy(['package.json'], ['mirror.corp.test'], []).rules.map((rule) => rule.pattern)).toEqual(['mirror.corp.test']);
    expect(decideSetupPolicy(['go.mod'], ['auto', 'mirror.corp.test'], ['github.com']).rules).toEqual([
      { pattern: 'proxy.golang.org', source: 'operator' },
      { pattern: 'sum.golang.org', source: 'operator' },
      { pattern: 'mirror.corp.test', source: 'operator' },
      { pattern: 'github.com', source: 'repo' },
    ]);
  });
});
