import { BlockList, isIP } from 'node:net';

/**
 * Which IP addresses the egress proxy never connects to, whatever name led there: the host's own
 * loopback (the Tandem server, its database, anything else listening locally), private networks,
 * link-local addresses (cloud metadata lives there) and addresses that are not a real destination.
 * Checked on the address actually dialled, after the proxy resolved the name itself, so a name that
 * resolves to 127.0.0.1 (or is rebound to it between two lookups) is refused all the same.
 */

export type RefusedAddressKind = 'loopback' | 'private' | 'carrier-grade-nat' | 'link-local' | 'metadata' | 'unspecified' | 'multicast' | 'reserved';

const RANGES: ReadonlyArray<{ kind: RefusedAddressKind; cidrs: ReadonlyArray<[string, number, 'ipv4' | 'ipv6']> }> = [
  // First: the metadata endpoints are also link-local / ULA, and their own name says more.
  { kind: 'metadata', cidrs: [['169.254.169.254', 32, 'ipv4'], ['fd00:ec2::254', 128, 'ipv6'], ['100.100.100.200', 32, 'ipv4']] },
  { kind: 'unspecified', cidrs: [['0.0.0.0', 8, 'ipv4'], ['::', 128, 'ipv6']] },
  { kind: 'loopback', cidrs: [['127.0.0.0', 8, 'ipv4'], ['::1', 128, 'ipv6']] },
  { kind: 'private', cidrs: [['10.0.0.0', 8, 'ipv4'], ['172.16.0.0', 12, 'ipv4'], ['192.168.0.0', 16, 'ipv4'], ['fc00::', 7, 'ipv6']] },
  { kind: 'carrier-grade-nat', cidrs: [['100.64.0.0', 10, 'ipv4']] },
  { kind: 'link-local', cidrs: [['169.254.0.0', 16, 'ipv4'], ['fe80::', 10, 'ipv6']] },
  { kind: 'multicast', cidrs: [['224.0.0.0', 4, 'ipv4'], ['ff00::', 8, 'ipv6']] },
  {
    kind: 'reserved',
    cidrs: [
      ['192.0.0.0', 24, 'ipv4'],
      ['192.0.2.0', 24, 'ipv4'],
      ['198.18.0.0', 15, 'ipv4'],
      ['198.51.100.0', 24, 'ipv4'],
      ['203.0.113.0', 24, 'ipv4'],
      ['240.0.0.0', 4, 'ipv4'],
      // IPv4-compatible (deprecated) and NAT64 forms carry an IPv4 address the checks above would not see.
      ['::', 96, 'ipv6'],
      ['64:ff9b::', 96, 'ipv6'],
      ['64:ff9b:1::', 48, 'ipv6'],
      ['100::', 64, 'ipv6'],
      ['2001:db8::', 32, 'ipv6'],
      ['2002::', 16, 'ipv6'],
    ],
  },
];

const LISTS = RANGES.map(({ kind, cidrs }) => {
  const list = new BlockList();
  for (const [network, prefix, family] of cidrs) list.addSubnet(network, prefix, family);
  return { kind, list };
});

const REASONS: Record<RefusedAddressKind, string> = {
  metadata: 'a cloud metadata address',
  unspecified: 'an unspecified address',
  loopback: "a loopback address (the server's own machine)",
  private: 'a private network address',
  'carrier-grade-nat': 'a carrier-grade NAT (shared) address',
  'link-local': 'a link-local address',
  multicast: 'a multicast address',
  reserved: 'a reserved address',
};

export type AddressDecision = { allowed: true } | { allowed: false; kind: RefusedAddressKind; reason: string };

/** Pure: whether the proxy may dial `address` (an IP literal; IPv4-mapped IPv6 is checked as IPv4). */
export function decideAddress(address: string): AddressDecision {
  const family = isIP(address);
  if (family === 0) return { allowed: false, kind: 'reserved', reason: `${address} is not an IP address` };
  const type = family === 4 ? 'ipv4' : 'ipv6';
  for (const { kind, list } of LISTS) {
    if (list.check(address, type)) return { allowed: false, kind, reason: `${address} is ${REASONS[kind]}` };
  }
  return { allowed: true };
}
