import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { decideAddress } from './address-policy.js';

/** Where the proxy dials for a host it allowed, or why it will not. */
export type ResolvedTarget = { ok: true; address: string; port: number } | { ok: false; reason: string };

/** Turns an allowed host into the one address the proxy connects to (never a name: no second lookup to rebind). */
export interface HostResolver {
  resolve(host: string, port: number): Promise<ResolvedTarget>;
}

/**
 * The production resolver: the system's lookup, every address it returns checked. A name with any
 * refused address is refused as a whole: a name that resolves partly to loopback is an attack, not
 * a mistake worth working around.
 */
export function createSystemResolver(lookupAll: (host: string) => Promise<Array<{ address: string }>> = (host) => lookup(host, { all: true, verbatim: true })): HostResolver {
  return {
    async resolve(host, port) {
      const candidates = isIP(host) !== 0 ? [{ address: host }] : await lookupAll(host).catch((error: NodeJS.ErrnoException) => error);
      if (candidates instanceof Error) return { ok: false, reason: `${host} could not be resolved (${candidates.code ?? candidates.message})` };
      if (candidates.length === 0) return { ok: false, reason: `${host} has no address` };
      for (const { address } of candidates) {
        const decision = decideAddress(address);
        if (!decision.allowed) return { ok: false, reason: `${host} resolves to ${address}; ${decision.reason}, which sandboxes may never reach` };
      }
      return { ok: true, address: candidates[0]!.address, port };
    },
  };
}

/**
 * TESTS ONLY: names mapped to fixed local targets (a test HTTP server on loopback), bypassing the
 * address checks for exactly those names; every other name goes to `fallback`. Never built from
 * configuration: only test code constructs it and hands it to the provider.
 */
export function createTestResolver(targets: ReadonlyMap<string, { address: string; port: number }>, fallback: HostResolver = createSystemResolver()): HostResolver {
  return {
    async resolve(host, port) {
      const target = targets.get(host);
      return target ? { ok: true, ...target } : fallback.resolve(host, port);
    },
  };
}
