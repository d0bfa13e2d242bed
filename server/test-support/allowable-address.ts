import { networkInterfaces } from 'node:os';
import { decideAddress } from '../src/network/address-policy.js';

/**
 * A non-loopback address of this machine the egress proxy refuses by default but an operator may
 * allow (a private, ULA or reserved address of an interface), where a test server can really listen;
 * undefined on a machine without one (the tests that need it skip, saying so).
 */
export function localAllowableAddress(): string | undefined {
  const candidates = Object.values(networkInterfaces())
    .flatMap((entries) => entries ?? [])
    .filter((entry) => !entry.internal && entry.scopeid === undefined)
    .map((entry) => entry.address)
    .filter((address) => {
      const decision = decideAddress(address);
      return !decision.allowed && decision.allowable;
    });
  return candidates.find((address) => !address.includes(':')) ?? candidates[0];
}
