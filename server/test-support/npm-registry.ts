import { lookup } from 'node:dns/promises';
import { decideAddress } from '../src/network/address-policy.js';
import { createSystemResolver, createTestResolver, type HostResolver } from '../src/network/host-resolver.js';

/** The npm registry, as the operator's default setup hosts name it (server/src/network/setup-hosts.ts). */
export const NPM_REGISTRY_HOST = 'registry.npmjs.org';
/** How long the host may take to answer the probe before the registry counts as unreachable. */
export const REGISTRY_PROBE_TIMEOUT_MS = 8_000;

export type RegistryReach =
  | { reachable: true; resolver: HostResolver; note: string | null }
  | { reachable: false; reason: string };

/**
 * Whether tests here can reach the real npm registry, and the resolver that lets a sandbox's proxy
 * dial it. Normally that is the production resolver. On a machine whose DNS answers the registry's
 * name with an address the proxy refuses (a sandboxed CI host that intercepts egress, e.g. at a
 * 203.0.113.x documentation address), exactly that name is pinned to the address the host itself
 * uses, through the test resolver hook; every other name still goes through every check.
 */
export async function probeNpmRegistry(): Promise<RegistryReach> {
  try {
    const response = await fetch(`https://${NPM_REGISTRY_HOST}/ms`, { method: 'HEAD', signal: AbortSignal.timeout(REGISTRY_PROBE_TIMEOUT_MS) });
    if (!response.ok) return { reachable: false, reason: `https://${NPM_REGISTRY_HOST}/ms answered ${response.status}` };
  } catch (error) {
    return { reachable: false, reason: `https://${NPM_REGISTRY_HOST} is unreachable from this machine (${(error as Error).message})` };
  }
  const { address } = await lookup(NPM_REGISTRY_HOST);
  const decision = decideAddress(address);
  if (decision.allowed) return { reachable: true, resolver: createSystemResolver(), note: null };
  return {
    reachable: true,
    resolver: createTestResolver(new Map([[NPM_REGISTRY_HOST, { address, port: 443 }]])),
    note: `${NPM_REGISTRY_HOST} resolves here to ${address}, which the proxy refuses (${decision.reason}); the test pins that one name to it`,
  };
}
