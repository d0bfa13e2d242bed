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

/** Pure: the ranges of NEVER_ALLOWED_KINDS, for checking an operator's CIDRs against them. */
export function neverAllowedRanges(): Array<{ kind: RefusedAddressKind; network: string; prefix: number; family: 'ipv4' | 'ipv6' }> {
  return RANGES.filter(({ kind }) => NEVER_ALLOWED_KINDS.has(kind)).flatMap(({ kind, cidrs }) => cidrs.map(([network, prefix, family]) => ({ kind, network, prefix, family })));
}

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

/**
 * Kinds no setting opens: the server's own machine, link-local (cloud metadata lives there), the
 * metadata endpoints themselves, and what is no real destination (0.0.0.0 dials the host itself;
 * multicast is no TCP peer). Private, carrier-grade NAT and reserved ranges an operator may open for
 * hosts the policy allows (TANDEM_EGRESS_ALLOW_ADDRESSES: an intercepting egress, a mirror on 10.x).
 */
export const NEVER_ALLOWED_KINDS: ReadonlySet<RefusedAddressKind> = new Set(['metadata', 'unspecified', 'loopback', 'link-local', 'multicast']);

/** The operator's TANDEM_EGRESS_ALLOW_ADDRESSES, as a checker. */
export interface AddressAllowance {
  /** The CIDRs as the operator wrote them (normalised). */
  readonly cidrs: readonly string[];
  /** The first CIDR that holds `address`, if any. */
  match(address: string): string | undefined;
}

export const NO_ADDRESS_ALLOWANCE: AddressAllowance = { cidrs: [], match: () => undefined };

export function createAddressAllowance(cidrs: ReadonlyArray<{ network: string; prefix: number; family: 'ipv4' | 'ipv6' }>): AddressAllowance {
  const lists = cidrs.map(({ network, prefix, family }) => {
    const list = new BlockList();
    list.addSubnet(network, prefix, family);
    return { text: `${network}/${prefix}`, list };
  });
  return {
    cidrs: lists.map(({ text }) => text),
    match(address) {
      const family = isIP(address);
      if (family === 0) return undefined;
      return lists.find(({ list }) => list.check(address, family === 4 ? 'ipv4' : 'ipv6'))?.text;
    },
  };
}

export type AddressDecision =
  | { allowed: true; allowedBy?: string }
  | { allowed: false; kind: RefusedAddressKind; reason: string; /** Whether TANDEM_EGRESS_ALLOW_ADDRESSES could open it. */ allowable: boolean };

function kindOf(address: string, type: 'ipv4' | 'ipv6'): RefusedAddressKind | undefined {
  return LISTS.find(({ list }) => list.check(address, type))?.kind;
}

/** The 16 bytes of an IPv6 literal (Node validated it). */
export function ipv6Bytes(address: string): number[] {
  let text = address.split('%')[0]!;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted[1]!.split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, -dotted[1]!.length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') as [string, string] : [text, undefined];
  const words = (part: string | undefined) => (part ? part.split(':').map((word) => parseInt(word, 16)) : []);
  const front = words(head);
  const back = words(tail);
  const all = tail === undefined ? front : [...front, ...Array<number>(8 - front.length - back.length).fill(0), ...back];
  return all.flatMap((word) => [word >> 8, word & 0xff]);
}

/**
 * The IPv4 addresses an IPv6 address of the embedding ranges may carry (IPv4-compatible ::/96,
 * NAT64 64:ff9b::/96 and every RFC 6052 position of the local-use 64:ff9b:1::/48, 6to4 2002::/16):
 * through a NAT64 gateway or a 6to4 relay they reach that IPv4 address, so a setting that opens the
 * IPv6 form must not open loopback or metadata behind it.
 */
export function embeddedIpv4(address: string): string[] {
  if (isIP(address) !== 6) return [];
  const bytes = ipv6Bytes(address);
  const at = (...indexes: number[]) => indexes.map((index) => bytes[index]).join('.');
  const words = (from: number, count: number) => bytes.slice(from, from + count).every((byte) => byte === 0);
  if (words(0, 12)) return [at(12, 13, 14, 15)];
  if (bytes[0] === 0x20 && bytes[1] === 0x02) return [at(2, 3, 4, 5)];
  if (bytes[0] === 0x00 && bytes[1] === 0x64 && bytes[2] === 0xff && bytes[3] === 0x9b) {
    if (bytes[4] === 0 && bytes[5] === 0x01) {
      // RFC 6052: the IPv4 address sits after a /48, /56, /64 or /96 prefix, skipping bits 64-71.
      return [at(6, 7, 9, 10), at(7, 9, 10, 11), at(9, 10, 11, 12), at(12, 13, 14, 15)];
    }
    return [at(12, 13, 14, 15)];
  }
  return [];
}

/**
 * Pure: whether the proxy may dial `address` (an IP literal; IPv4-mapped IPv6 is checked as IPv4).
 * `allowance` opens private, CGNAT and reserved addresses it holds; never a kind of
 * NEVER_ALLOWED_KINDS, nor an IPv6 form that carries such an IPv4 address, whatever it holds.
 */
export function decideAddress(address: string, allowance: AddressAllowance = NO_ADDRESS_ALLOWANCE): AddressDecision {
  const family = isIP(address);
  if (family === 0) return { allowed: false, kind: 'reserved', reason: `${address} is not an IP address`, allowable: false };
  const kind = kindOf(address, family === 4 ? 'ipv4' : 'ipv6');
  if (kind === undefined) return { allowed: true };
  const carried = embeddedIpv4(address)
    .map((inner) => ({ inner, kind: kindOf(inner, 'ipv4') }))
    .find((entry) => entry.kind !== undefined && NEVER_ALLOWED_KINDS.has(entry.kind));
  const allowable = !NEVER_ALLOWED_KINDS.has(kind) && carried === undefined;
  const reason = carried ? `${address} is ${REASONS[kind]} (it carries ${carried.inner}, ${REASONS[carried.kind!]})` : `${address} is ${REASONS[kind]}`;
  if (allowable) {
    const allowedBy = allowance.match(address);
    if (allowedBy !== undefined) return { allowed: true, allowedBy };
  }
  return { allowed: false, kind, reason, allowable };
}

/** The setting an operator sets to let allowed hosts resolve into private or reserved ranges. */
export const ALLOW_ADDRESSES_SETTING = 'TANDEM_EGRESS_ALLOW_ADDRESSES';

/** The narrowest CIDR that holds just `address`, as the refusal suggests it. */
export function singleAddressCidr(address: string): string {
  return `${address}/${isIP(address) === 4 ? 32 : 128}`;
}
