import { isIP } from 'node:net';
import { ALLOW_ADDRESSES_SETTING, ipv6Bytes, neverAllowedRanges, type RefusedAddressKind } from './address-policy.js';

/**
 * The operator's egress settings for a server behind a corporate network, parsed from the server's
 * environment (config.ts) and decided here as pure functions: which private or reserved addresses
 * allowed hosts may resolve to, which upstream proxy the per-sandbox proxies chain through (and which
 * hosts bypass it), and which registry mirrors the sandboxes' tools are pointed at.
 */

export const UPSTREAM_PROXY_SETTING = 'TANDEM_EGRESS_UPSTREAM_PROXY';
/** The value of TANDEM_EGRESS_UPSTREAM_PROXY that turns the chaining off, HTTPS_PROXY or not. */
export const UPSTREAM_PROXY_OFF = 'off';

export interface AllowedCidr {
  network: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

export interface UpstreamProxy {
  tls: boolean;
  host: string;
  port: number;
  /** `Basic …` when the URL carries a user; never shown anywhere. */
  authorization?: string;
  /** The proxy as it may be shown (no credentials). */
  display: string;
  /** Which setting named it. */
  from: typeof UPSTREAM_PROXY_SETTING | 'HTTPS_PROXY';
}

export interface RegistryMirrors {
  /** What every sandbox process gets in its environment. */
  env: Record<string, string>;
  /** Host patterns that join the setup hosts. */
  hosts: string[];
  /** Start-up notes (a mirror left out, and why). */
  notes: string[];
}

export interface EgressSettings {
  allowAddresses: AllowedCidr[];
  upstreamProxy: UpstreamProxy | null;
  /** The server's NO_PROXY entries: hosts dialled directly rather than through the upstream. */
  noProxy: string[];
  mirrors: RegistryMirrors;
}

export const DEFAULT_EGRESS_SETTINGS: EgressSettings = { allowAddresses: [], upstreamProxy: null, noProxy: [], mirrors: { env: {}, hosts: [], notes: [] } };

const BITS = { ipv4: 32, ipv6: 128 } as const;

function toBigInt(address: string, family: 'ipv4' | 'ipv6'): bigint {
  const bytes = family === 'ipv4' ? address.split('.').map(Number) : ipv6Bytes(address);
  return bytes.reduce((value, byte) => (value << 8n) | BigInt(byte), 0n);
}

function fromBigInt(value: bigint, family: 'ipv4' | 'ipv6'): string {
  if (family === 'ipv4') return [24n, 16n, 8n, 0n].map((shift) => Number((value >> shift) & 0xffn)).join('.');
  const words = Array.from({ length: 8 }, (_, index) => ((value >> BigInt((7 - index) * 16)) & 0xffffn).toString(16));
  // The URL parser writes an IPv6 address in its shortest form.
  return new URL(`http://[${words.join(':')}]/`).hostname.slice(1, -1);
}

const mask = (prefix: number, family: 'ipv4' | 'ipv6') => ((1n << BigInt(BITS[family])) - 1n) ^ ((1n << BigInt(BITS[family] - prefix)) - 1n);

/** Pure: one CIDR (or a bare address, as /32 or /128), its host bits cleared; or why it is none. */
export function parseCidr(text: string): AllowedCidr | string {
  const [address = '', prefixText, ...rest] = text.split('/');
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return 'is not a CIDR such as 10.1.0.0/16 or fd00:1::/64';
  const family = version === 4 ? 'ipv4' : 'ipv6';
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return `has a prefix length that is not a number from 0 to ${BITS[family]}`;
  const prefix = prefixText === undefined ? BITS[family] : Number(prefixText);
  if (prefix > BITS[family]) return `has a prefix length over ${BITS[family]}`;
  return { network: fromBigInt(toBigInt(address, family) & mask(prefix, family), family), prefix, family };
}

/** Pure: whether two CIDRs share an address, and whether `inner` lies wholly inside `outer`. */
function relation(inner: AllowedCidr, outer: AllowedCidr): 'inside' | 'overlaps' | 'apart' {
  if (inner.family !== outer.family) return 'apart';
  const shorter = Math.min(inner.prefix, outer.prefix);
  const common = mask(shorter, inner.family);
  if ((toBigInt(inner.network, inner.family) & common) !== (toBigInt(outer.network, outer.family) & common)) return 'apart';
  return outer.prefix <= inner.prefix ? 'inside' : 'overlaps';
}

/**
 * Pure: TANDEM_EGRESS_ALLOW_ADDRESSES. A CIDR wholly inside a range no setting opens (127.0.0.0/8,
 * 169.254.169.254/32, fe80::/10) is an error: it would do nothing. One that merely overlaps such a
 * range (0.0.0.0/0) is kept and said at start-up: the overlap stays refused address by address.
 */
export function parseAllowAddresses(value: string): { cidrs: AllowedCidr[] } | { error: string } {
  const cidrs: AllowedCidr[] = [];
  for (const entry of value.split(',').map((item) => item.trim()).filter(Boolean)) {
    const parsed = parseCidr(entry);
    if (typeof parsed === 'string') return { error: `"${entry}" ${parsed}` };
    const never = neverAllowedRanges().find((range) => relation(parsed, range) === 'inside');
    if (never) return { error: `"${entry}" is ${never.kind} (${never.network}/${never.prefix}), which sandboxes may never reach whatever is set` };
    cidrs.push(parsed);
  }
  return { cidrs };
}

/** Pure: the ranges no setting opens that an allowed CIDR overlaps (said at start-up). */
export function neverAllowedOverlaps(cidr: AllowedCidr): Array<{ kind: RefusedAddressKind; range: string }> {
  return neverAllowedRanges()
    .filter((range) => relation(range, cidr) !== 'apart')
    .map((range) => ({ kind: range.kind, range: `${range.network}/${range.prefix}` }));
}

/** Pure: an upstream proxy URL (http:// or https://, no path); or why it is none. */
export function parseUpstreamProxy(text: string, from: UpstreamProxy['from']): UpstreamProxy | string {
  // HTTPS_PROXY is often written without a scheme (proxy.corp:8080), as curl takes it.
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    return 'is not a URL such as http://proxy.corp.example:8080';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `uses ${url.protocol}; an upstream proxy is http:// or https:// (HTTP CONNECT)`;
  if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '') return 'has a path; give the proxy as scheme://host:port';
  const tls = url.protocol === 'https:';
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const port = url.port === '' ? (tls ? 443 : 80) : Number(url.port);
  const user = decodeURIComponent(url.username);
  const authorization = user === '' ? undefined : `Basic ${Buffer.from(`${user}:${decodeURIComponent(url.password)}`).toString('base64')}`;
  return { tls, host, port, authorization, display: `${url.protocol}//${url.host}`, from };
}

/**
 * Pure: the upstream proxy, from TANDEM_EGRESS_UPSTREAM_PROXY (`off`: none), else the server's own
 * https_proxy / HTTPS_PROXY.
 */
export function decideUpstreamProxy(env: { explicit?: string; httpsProxy?: string }): { proxy: UpstreamProxy | null } | { error: string } {
  if (env.explicit !== undefined) {
    if (env.explicit.trim().toLowerCase() === UPSTREAM_PROXY_OFF) return { proxy: null };
    const parsed = parseUpstreamProxy(env.explicit.trim(), UPSTREAM_PROXY_SETTING);
    return typeof parsed === 'string' ? { error: `${UPSTREAM_PROXY_SETTING}: ${parsed} (or "${UPSTREAM_PROXY_OFF}")` } : { proxy: parsed };
  }
  if (env.httpsProxy === undefined) return { proxy: null };
  const parsed = parseUpstreamProxy(env.httpsProxy.trim(), 'HTTPS_PROXY');
  return typeof parsed === 'string' ? { error: `HTTPS_PROXY: ${parsed}; or set ${UPSTREAM_PROXY_SETTING}=${UPSTREAM_PROXY_OFF} for sandboxes to dial directly` } : { proxy: parsed };
}

/** Pure: NO_PROXY's entries, lower case. */
export function parseNoProxy(value: string | undefined): string[] {
  return (value ?? '').split(/[\s,]+/).map((entry) => entry.trim().toLowerCase()).filter(Boolean);
}

/**
 * Pure: whether a connection the policy allowed goes through the upstream proxy or is dialled here,
 * as curl reads NO_PROXY: `*` is every host; `example.com`, `.example.com` and `*.example.com` are
 * that domain and its subdomains; `:port` narrows an entry to one port. Address entries never match
 * (sandboxes reach hosts by name only).
 */
export function decideUpstream(settings: Pick<EgressSettings, 'upstreamProxy' | 'noProxy'>, host: string, port: number): { kind: 'direct' } | { kind: 'upstream'; proxy: UpstreamProxy } {
  if (settings.upstreamProxy === null) return { kind: 'direct' };
  const bypass = settings.noProxy.some((entry) => {
    if (entry === '*') return true;
    const match = /^(.*?)(?::(\d+))?$/.exec(entry)!;
    if (match[2] !== undefined && Number(match[2]) !== port) return false;
    const domain = match[1]!.replace(/^\*?\./, '');
    return domain !== '' && (host === domain || host.endsWith(`.${domain}`));
  });
  return bypass ? { kind: 'direct' } : { kind: 'upstream', proxy: settings.upstreamProxy };
}

/** The host pattern of a mirror URL: its name, with the port when it is not the scheme's own. */
function mirrorHost(url: URL): string {
  return url.port === '' ? url.hostname : `${url.hostname}:${url.port}`;
}

/**
 * Pure: the registry mirrors configured on the server (npm's registry, pip's index URL) as the
 * sandbox environment that points the tools at them and the hosts setup may then reach. A URL with
 * credentials is left out (sandbox code would read them), and said at start-up.
 */
export function decideRegistryMirrors(env: { npmRegistry?: string; pipIndexUrl?: string }): RegistryMirrors | { error: string } {
  const mirrors: RegistryMirrors = { env: {}, hosts: [], notes: [] };
  const sources = [
    { setting: 'npm_config_registry', value: env.npmRegistry, names: ['npm_config_registry', 'YARN_NPM_REGISTRY_SERVER'] },
    { setting: 'PIP_INDEX_URL', value: env.pipIndexUrl, names: ['PIP_INDEX_URL', 'UV_INDEX_URL'] },
  ];
  for (const { setting, value, names } of sources) {
    if (value === undefined) continue;
    let url: URL;
    try {
      url = new URL(value.trim());
    } catch {
      return { error: `${setting}: "${value}" is not a URL such as https://registry.corp.example/npm/` };
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return { error: `${setting}: a registry mirror is an http:// or https:// URL` };
    if (url.username !== '' || url.password !== '') {
      mirrors.notes.push(`${setting} carries credentials, so sandboxes are not pointed at it (sandbox code would read them); give the mirror without them, or through a repo secret`);
      continue;
    }
    for (const name of names) mirrors.env[name] = url.href;
    if (isIP(url.hostname.replace(/^\[|\]$/g, '')) !== 0) {
      mirrors.notes.push(`${setting} names an IP address (${url.hostname}); sandboxes reach hosts by name only, so setup cannot reach it`);
      continue;
    }
    if (!mirrors.hosts.includes(mirrorHost(url))) mirrors.hosts.push(mirrorHost(url));
  }
  return mirrors;
}

/** Pure: what the server says at start-up about its egress settings. */
export function describeEgressSettings(settings: EgressSettings): string[] {
  const lines: string[] = [];
  for (const cidr of settings.allowAddresses) {
    const overlaps = neverAllowedOverlaps(cidr);
    if (overlaps.length > 0) {
      lines.push(
        `${ALLOW_ADDRESSES_SETTING}: ${cidr.network}/${cidr.prefix} also covers ${[...new Set(overlaps.map((overlap) => overlap.kind))].join(', ')} addresses (${overlaps.map((overlap) => overlap.range).join(', ')}), which stay refused`,
      );
    }
  }
  if (settings.allowAddresses.length > 0) lines.push(`allowed hosts may resolve to ${settings.allowAddresses.map((cidr) => `${cidr.network}/${cidr.prefix}`).join(', ')} (${ALLOW_ADDRESSES_SETTING})`);
  if (settings.upstreamProxy) {
    const { display, from } = settings.upstreamProxy;
    lines.push(
      `sandboxes' allowed connections go through the upstream proxy ${display} (${from}${from === 'HTTPS_PROXY' ? `; ${UPSTREAM_PROXY_SETTING}=${UPSTREAM_PROXY_OFF} to dial directly` : ''})${settings.noProxy.length > 0 ? `, except NO_PROXY's hosts` : ''}; it resolves their names, so Tandem decides on the name (and refuses one that resolves here to loopback, link-local or metadata), the upstream on the address`,
    );
  }
  for (const host of settings.mirrors.hosts) lines.push(`setup may reach the registry mirror ${host}`);
  lines.push(...settings.mirrors.notes);
  return lines;
}
