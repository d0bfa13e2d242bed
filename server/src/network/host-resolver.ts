import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { ALLOW_ADDRESSES_SETTING, decideAddress, NO_ADDRESS_ALLOWANCE, singleAddressCidr, type AddressAllowance } from './address-policy.js';

/** Where the proxy dials for a host it allowed, or why it will not. */
export type ResolvedTarget =
  | { ok: true; address: string; port: number }
  | {
      ok: false;
      reason: string;
      /** The operator setting that would allow it (`TANDEM_EGRESS_ALLOW_ADDRESSES=10.1.2.3/32`), when one would. */
      setting?: string;
      /** It resolves to an address no setting opens (loopback, link-local, metadata...). */
      never?: boolean;
    };

/** Turns an allowed host into the one address the proxy connects to (never a name: no second lookup to rebind). */
export interface HostResolver {
  resolve(host: string, port: number): Promise<ResolvedTarget>;
}

/**
 * Pure: where the proxy dials for `host`, given every address it resolved to. A name with any
 * refused address is refused as a whole: a name that resolves partly to loopback is an attack, not
 * a mistake worth working around. A refusal that only the operator's allowance could lift says the
 * exact setting; one of a kind no setting opens says so.
 */
export function decideResolvedAddresses(host: string, port: number, addresses: readonly string[], allowance: AddressAllowance = NO_ADDRESS_ALLOWANCE): ResolvedTarget {
  if (addresses.length === 0) return { ok: false, reason: `${host} has no address` };
  const refused = addresses.map((address) => ({ address, decision: decideAddress(address, allowance) })).filter((entry) => !entry.decision.allowed);
  const never = refused.find((entry) => !entry.decision.allowed && !entry.decision.allowable);
  if (never && !never.decision.allowed) return { ok: false, reason: `${host} resolves to ${never.address}; ${never.decision.reason}, which sandboxes may never reach (no setting allows it)`, never: true };
  if (refused.length > 0) {
    const first = refused[0]!;
    const reason = first.decision.allowed ? '' : first.decision.reason;
    // Only the addresses at hand (added to whatever the operator already lists): the sandbox learns no more of the operator's networks.
    const setting = `${ALLOW_ADDRESSES_SETTING}=${refused.map((entry) => singleAddressCidr(entry.address)).join(',')}`;
    return { ok: false, reason: `${host} resolves to ${first.address}; ${reason}; an operator can allow it with ${setting}`, setting };
  }
  return { ok: true, address: addresses[0]!, port };
}

/** The production resolver: the system's lookup, every address it returns checked (with the operator's allowance). */
export function createSystemResolver(
  lookupAll: (host: string) => Promise<Array<{ address: string }>> = (host) => lookup(host, { all: true, verbatim: true }),
  allowance: AddressAllowance = NO_ADDRESS_ALLOWANCE,
): HostResolver {
  return {
    async resolve(host, port) {
      const candidates = isIP(host) !== 0 ? [{ address: host }] : await lookupAll(host).catch((error: NodeJS.ErrnoException) => error);
      if (candidates instanceof Error) return { ok: false, reason: `${host} could not be resolved (${candidates.code ?? candidates.message})` };
      return decideResolvedAddresses(host, port, candidates.map(({ address }) => address), allowance);
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
