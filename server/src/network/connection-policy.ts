import { isIP } from 'node:net';
import { decideAddress } from './address-policy.js';

/**
 * What one sandbox may reach, and the pure decision for one connection attempt. A host pattern is a
 * name (`registry.npmjs.org`) or a wildcard for its subdomains (`*.example.com`, which does not match
 * `example.com` itself), with an optional `:port`; without one it allows the web's ports.
 */

export { DEFAULT_ALLOWED_PORTS, NETWORK_PHASES, type HostRule, type HostRuleSource, type NetworkPhase, type NetworkPolicy } from './policy-types.js';
import { DEFAULT_ALLOWED_PORTS, type HostRule, type NetworkPolicy } from './policy-types.js';

/** Nothing at all: what a session reaches until its policy says otherwise. */
export const CLOSED_POLICY: NetworkPolicy = { phase: 'session', rules: [] };

export type ConnectionDecision = { allowed: true; reason: string; rule: HostRule } | { allowed: false; reason: string };

/** A host as a proxy request names it: lower case, no trailing dot, IPv6 without brackets. */
export function normalizeHost(host: string): string {
  const trimmed = host.trim().toLowerCase().replace(/\.$/, '');
  return trimmed.startsWith('[') && trimmed.endsWith(']') ? trimmed.slice(1, -1) : trimmed;
}

export function splitPattern(pattern: string): { host: string; port: number | undefined } {
  const match = /^(.*?)(?::(\d+))?$/.exec(pattern)!;
  return { host: match[1]!, port: match[2] === undefined ? undefined : Number(match[2]) };
}

export function patternMatches(pattern: string, host: string, port: number): boolean {
  const parsed = splitPattern(pattern.toLowerCase());
  const portAllowed = parsed.port === undefined ? DEFAULT_ALLOWED_PORTS.includes(port) : parsed.port === port;
  if (!portAllowed) return false;
  if (parsed.host.startsWith('*.')) {
    const suffix = parsed.host.slice(1);
    return host.endsWith(suffix) && host.length > suffix.length;
  }
  return parsed.host === host;
}

const describe = (rule: HostRule) =>
  rule.source === 'operator' ? "the server's defaults" : rule.source === 'repo' ? "the repo's approved .tandem/environment.json" : `opened for this session${rule.openedBy ? ` by ${rule.openedBy}` : ''}`;

/** Pure: whether a sandbox may open a connection to `host:port` under `policy`. */
export function decideConnection(policy: NetworkPolicy, rawHost: string, port: number): ConnectionDecision {
  const host = normalizeHost(rawHost);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) return { allowed: false, reason: `port ${port} is not a valid port` };
  if (host === '') return { allowed: false, reason: 'no host was named' };
  if (isIP(host) !== 0) {
    const address = decideAddress(host);
    if (!address.allowed) return { allowed: false, reason: `${address.reason}, which sandboxes may never reach` };
    return { allowed: false, reason: `${host} is an IP address; sandboxes reach hosts by name only, as the policy names them` };
  }
  const rule = policy.rules.find((candidate) => patternMatches(candidate.pattern, host, port));
  if (!rule) return { allowed: false, reason: `${host}:${port} is not in this ${policy.phase}'s network policy` };
  return { allowed: true, reason: `${host}:${port} matches ${rule.pattern} (${describe(rule)})`, rule };
}
