import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { createAddressAllowance, decideAddress, embeddedIpv4 } from './address-policy.js';
import { decideRegistryMirrors, decideUpstream, describeEgressSettings, parseAllowAddresses, parseCidr } from './egress-settings.js';
import { decideResolvedAddresses } from './host-resolver.js';
import { decideSetupPolicy } from './setup-hosts.js';

/** The operator's settings for egress behind a corporate network: parsing and the pure decisions. */

const allowance = (value: string) => {
  const parsed = parseAllowAddresses(value);
  if ('error' in parsed) throw new Error(parsed.error);
  return createAddressAllowance(parsed.cidrs);
};

describe('TANDEM_EGRESS_ALLOW_ADDRESSES', () => {
  it('is empty by default', () => {
    expect(loadConfig({}).egress).toMatchObject({ allowAddresses: [], upstreamProxy: null, noProxy: [] });
  });

  it('is a comma list of IPv4 and IPv6 CIDRs (a bare address is one address), host bits cleared', () => {
    expect(loadConfig({ TANDEM_EGRESS_ALLOW_ADDRESSES: '10.1.2.3/8, fd00:1:0:0::7/64,198.18.0.1' }).egress!.allowAddresses).toEqual([
      { network: '10.0.0.0', prefix: 8, family: 'ipv4' },
      { network: 'fd00:1::', prefix: 64, family: 'ipv6' },
      { network: '198.18.0.1', prefix: 32, family: 'ipv4' },
    ]);
  });

  it('stops start-up naming the variable and the entry when one is no CIDR', () => {
    expect(() => loadConfig({ TANDEM_EGRESS_ALLOW_ADDRESSES: '10.0.0.0/8,mirror.corp' })).toThrow(/TANDEM_EGRESS_ALLOW_ADDRESSES: "mirror\.corp" is not a CIDR/);
    expect(() => loadConfig({ TANDEM_EGRESS_ALLOW_ADDRESSES: '10.0.0.0/33' })).toThrow(/TANDEM_EGRESS_ALLOW_ADDRESSES: "10\.0\.0\.0\/33" has a prefix length over 32/);
    expect(parseCidr('fd00::/x')).toMatch(/prefix length/);
  });

  it('refuses a CIDR wholly inside what no setting opens: loopback, link-local, metadata', () => {
    for (const cidr of ['127.0.0.0/8', '127.0.0.1', '169.254.169.254/32', '169.254.0.0/16', '::1/128', 'fe80::/64', 'fd00:ec2::254/128', '0.0.0.0/8']) {
      expect(() => loadConfig({ TANDEM_EGRESS_ALLOW_ADDRESSES: cidr }), cidr).toThrow(/TANDEM_EGRESS_ALLOW_ADDRESSES: .* which sandboxes may never reach whatever is set/);
    }
  });

  it('keeps a CIDR that overlaps them (0.0.0.0/0) and says at start-up that the overlap stays refused', () => {
    const egress = loadConfig({ TANDEM_EGRESS_ALLOW_ADDRESSES: '0.0.0.0/0,::/0' }).egress!;
    const lines = describeEgressSettings(egress);
    expect(lines[0]).toMatch(/^TANDEM_EGRESS_ALLOW_ADDRESSES: 0\.0\.0\.0\/0 also covers metadata, unspecified, loopback, link-local, multicast addresses \(169\.254\.169\.254\/32, .*127\.0\.0\.0\/8.*\), which stay refused$/);
    expect(lines[1]).toMatch(/^TANDEM_EGRESS_ALLOW_ADDRESSES: ::\/0 also covers .*::1\/128.*fe80::\/10/);
  });
});

describe('an address under the allowance', () => {
  const everything = allowance('0.0.0.0/0,::/0');

  it('opens private, carrier-grade NAT and reserved addresses the CIDRs hold, saying which', () => {
    expect(decideAddress('10.1.2.3', allowance('10.1.0.0/16'))).toEqual({ allowed: true, allowedBy: '10.1.0.0/16' });
    expect(decideAddress('10.2.0.1', allowance('10.1.0.0/16'))).toMatchObject({ allowed: false, kind: 'private', allowable: true });
    expect(decideAddress('198.18.0.7', allowance('198.18.0.0/15'))).toMatchObject({ allowed: true });
    expect(decideAddress('100.64.1.1', allowance('100.64.0.0/10'))).toMatchObject({ allowed: true });
    expect(decideAddress('fd00:1::5', allowance('fd00:1::/64'))).toMatchObject({ allowed: true });
    expect(decideAddress('::ffff:10.1.2.3', allowance('10.0.0.0/8'))).toMatchObject({ allowed: true });
  });

  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.8.9.10', 'loopback'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['169.254.169.254', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    ['100.100.100.200', 'metadata'],
    ['169.254.10.1', 'link-local'],
    ['fe80::1', 'link-local'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    // IPv6 forms that carry a never-allowed IPv4 address (NAT64, IPv4-compatible, 6to4).
    ['64:ff9b::a9fe:a9fe', 'reserved'],
    ['64:ff9b::7f00:1', 'reserved'],
    ['::7f00:1', 'reserved'],
    ['2002:7f00:1::', 'reserved'],
    ['64:ff9b:1:a9fe:a9:fe00::', 'reserved'],
  ])('never opens %s (%s), not even under 0.0.0.0/0 and ::/0', (address, kind) => {
    expect(decideAddress(address, everything)).toMatchObject({ allowed: false, kind, allowable: false });
  });

  it('finds the IPv4 address an embedding IPv6 form carries', () => {
    expect(embeddedIpv4('64:ff9b::a9fe:a9fe')).toEqual(['169.254.169.254']);
    expect(embeddedIpv4('2002:a9fe:a9fe::1')).toEqual(['169.254.169.254']);
    expect(embeddedIpv4('::ffff:1.2.3.4')).toEqual([]);
    expect(decideAddress('64:ff9b::a01:203', allowance('64:ff9b::/96'))).toMatchObject({ allowed: true });
  });
});

describe('a resolved name', () => {
  it('is refused with the setting that would allow it, the refused addresses only', () => {
    expect(decideResolvedAddresses('registry.npmjs.org', 443, ['10.1.2.3'], allowance('192.168.0.0/16'))).toEqual({
      ok: false,
      reason: 'registry.npmjs.org resolves to 10.1.2.3; 10.1.2.3 is a private network address; an operator can allow it with TANDEM_EGRESS_ALLOW_ADDRESSES=10.1.2.3/32',
      setting: 'TANDEM_EGRESS_ALLOW_ADDRESSES=10.1.2.3/32',
    });
    expect(decideResolvedAddresses('mirror.corp', 443, ['151.101.1.35', '198.18.0.1', 'fd00::9'])).toMatchObject({ ok: false, setting: 'TANDEM_EGRESS_ALLOW_ADDRESSES=198.18.0.1/32,fd00::9/128' });
  });

  it('is refused without a setting when any address is one no setting opens', () => {
    const refused = decideResolvedAddresses('rebind.example', 443, ['10.1.2.3', '127.0.0.1'], allowance('0.0.0.0/0'));
    expect(refused).toEqual({ ok: false, reason: "rebind.example resolves to 127.0.0.1; 127.0.0.1 is a loopback address (the server's own machine), which sandboxes may never reach (no setting allows it)", never: true });
  });

  it('is dialled at its first address once every address is allowed', () => {
    expect(decideResolvedAddresses('mirror.corp', 443, ['10.1.2.3', '151.101.1.35'], allowance('10.1.2.3/32'))).toEqual({ ok: true, address: '10.1.2.3', port: 443 });
  });
});

describe('the upstream proxy', () => {
  it('is the server’s own https_proxy / HTTPS_PROXY by default, and none with TANDEM_EGRESS_UPSTREAM_PROXY=off', () => {
    expect(loadConfig({ HTTPS_PROXY: 'http://proxy.corp:8080' }).egress!.upstreamProxy).toEqual({ tls: false, host: 'proxy.corp', port: 8080, display: 'http://proxy.corp:8080', from: 'HTTPS_PROXY' });
    expect(loadConfig({ https_proxy: 'proxy.corp:3128', HTTPS_PROXY: 'http://other:1' }).egress!.upstreamProxy).toMatchObject({ host: 'proxy.corp', port: 3128 });
    expect(loadConfig({ HTTPS_PROXY: 'http://proxy.corp:8080', TANDEM_EGRESS_UPSTREAM_PROXY: 'off' }).egress!.upstreamProxy).toBeNull();
    expect(loadConfig({ HTTPS_PROXY: 'http://proxy.corp:8080', TANDEM_EGRESS_UPSTREAM_PROXY: 'https://chain.corp' }).egress!.upstreamProxy).toMatchObject({ tls: true, host: 'chain.corp', port: 443, from: 'TANDEM_EGRESS_UPSTREAM_PROXY' });
  });

  it('keeps its credentials out of what is shown', () => {
    const proxy = loadConfig({ TANDEM_EGRESS_UPSTREAM_PROXY: 'http://ada:s%3Acret@proxy.corp:8080' }).egress!.upstreamProxy!;
    expect(proxy).toMatchObject({ display: 'http://proxy.corp:8080', authorization: `Basic ${Buffer.from('ada:s:cret').toString('base64')}` });
    expect(describeEgressSettings({ ...loadConfig({}).egress!, upstreamProxy: proxy }).join('\n')).not.toContain('cret');
  });

  it('stops start-up naming the variable when it is no proxy URL', () => {
    expect(() => loadConfig({ TANDEM_EGRESS_UPSTREAM_PROXY: 'socks5://proxy.corp:1080' })).toThrow(/TANDEM_EGRESS_UPSTREAM_PROXY: uses socks5:/);
    expect(() => loadConfig({ TANDEM_EGRESS_UPSTREAM_PROXY: 'http://proxy.corp:8080/path' })).toThrow(/TANDEM_EGRESS_UPSTREAM_PROXY: has a path/);
    expect(() => loadConfig({ https_proxy: 'ftp://proxy.corp' })).toThrow(/https_proxy: uses ftp:.*TANDEM_EGRESS_UPSTREAM_PROXY=off/);
  });

  it('is skipped for the hosts of the server’s NO_PROXY, as curl reads it', () => {
    const egress = loadConfig({ HTTPS_PROXY: 'http://proxy.corp:8080', NO_PROXY: 'localhost,.corp.example, mirror.test:8443,10.0.0.0/8' }).egress!;
    expect(decideUpstream(egress, 'registry.npmjs.org', 443)).toMatchObject({ kind: 'upstream', proxy: { host: 'proxy.corp' } });
    expect(decideUpstream(egress, 'npm.corp.example', 443)).toEqual({ kind: 'direct' });
    expect(decideUpstream(egress, 'corp.example', 443)).toEqual({ kind: 'direct' });
    expect(decideUpstream(egress, 'notcorp.example', 443)).toMatchObject({ kind: 'upstream' });
    expect(decideUpstream(egress, 'mirror.test', 8443)).toEqual({ kind: 'direct' });
    expect(decideUpstream(egress, 'mirror.test', 443)).toMatchObject({ kind: 'upstream' });
    expect(decideUpstream({ ...egress, noProxy: ['*'] }, 'anything.example', 443)).toEqual({ kind: 'direct' });
    expect(decideUpstream({ ...egress, upstreamProxy: null }, 'registry.npmjs.org', 443)).toEqual({ kind: 'direct' });
  });
});

describe('registry mirrors configured on the server', () => {
  it('reach the sandboxes’ tools through their environment, and their hosts join the setup hosts', () => {
    const egress = loadConfig({ npm_config_registry: 'https://npm.corp.example/repository/npm/', PIP_INDEX_URL: 'http://pypi.corp.example:8081/simple' }).egress!;
    expect(egress.mirrors).toEqual({
      env: {
        npm_config_registry: 'https://npm.corp.example/repository/npm/',
        YARN_NPM_REGISTRY_SERVER: 'https://npm.corp.example/repository/npm/',
        PIP_INDEX_URL: 'http://pypi.corp.example:8081/simple',
        UV_INDEX_URL: 'http://pypi.corp.example:8081/simple',
      },
      hosts: ['npm.corp.example', 'pypi.corp.example:8081'],
      notes: [],
    });
    expect(decideSetupPolicy(['package.json'], null, [], egress.mirrors.hosts).rules.map((rule) => rule.pattern)).toEqual(['registry.npmjs.org', 'registry.yarnpkg.com', 'npm.corp.example', 'pypi.corp.example:8081']);
    expect(decideSetupPolicy(['package.json'], ['only.example'], [], egress.mirrors.hosts).rules.map((rule) => rule.pattern)).toEqual(['only.example', 'npm.corp.example', 'pypi.corp.example:8081']);
    expect(loadConfig({ NPM_CONFIG_REGISTRY: 'https://npm.corp.example/' }).egress!.mirrors.hosts).toEqual(['npm.corp.example']);
  });

  it('are left out, said at start-up, when their URL carries credentials', () => {
    const mirrors = decideRegistryMirrors({ npmRegistry: 'https://ada:token@npm.corp.example/' });
    expect(mirrors).toEqual({ env: {}, hosts: [], notes: [expect.stringMatching(/^npm_config_registry carries credentials, so sandboxes are not pointed at it/)] });
    expect(() => loadConfig({ PIP_INDEX_URL: 'not a url' })).toThrow(/PIP_INDEX_URL: "not a url" is not a URL/);
  });
});
