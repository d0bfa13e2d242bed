import { describe, expect, it } from 'vitest';
import { decideCountedAddress, describeUntrustedLocalProxy, isUntrustedLocalProxy } from './rate-limit.js';

describe('decideCountedAddress', () => {
  const loopbackServer = { boundBeyondLoopback: false };
  const exposedServer = { boundBeyondLoopback: true };
  it('counts every address that is not loopback', () => {
    expect(decideCountedAddress('203.0.113.7', false, loopbackServer)).toBe('203.0.113.7');
    expect(decideCountedAddress('203.0.113.7', true, exposedServer)).toBe('203.0.113.7');
  });
  it('leaves out the person at the machine of a loopback server (no forwarding header)', () => {
    expect(decideCountedAddress('127.0.0.1', false, loopbackServer)).toBeUndefined();
    expect(decideCountedAddress('::ffff:127.0.0.1', false, loopbackServer)).toBeUndefined();
    expect(decideCountedAddress('::1', false, loopbackServer)).toBeUndefined();
  });
  it('counts a loopback peer that forwards for others, and any loopback peer of a server bound beyond loopback', () => {
    expect(decideCountedAddress('127.0.0.1', true, loopbackServer)).toBe('127.0.0.1');
    expect(decideCountedAddress('127.0.0.1', false, exposedServer)).toBe('127.0.0.1');
    expect(decideCountedAddress('::1', true, exposedServer)).toBe('::1');
  });
  it('counts nothing without an address', () => {
    expect(decideCountedAddress(undefined, true, exposedServer)).toBeUndefined();
  });
});

describe('isUntrustedLocalProxy', () => {
  it('is a loopback peer with a forwarding header while TANDEM_TRUST_PROXY is off', () => {
    expect(isUntrustedLocalProxy('127.0.0.1', true, { trustProxy: false })).toBe(true);
    expect(isUntrustedLocalProxy('127.0.0.1', true, { trustProxy: true })).toBe(false);
    expect(isUntrustedLocalProxy('127.0.0.1', false, { trustProxy: false })).toBe(false);
    expect(isUntrustedLocalProxy('203.0.113.7', true, { trustProxy: false })).toBe(false);
    expect(isUntrustedLocalProxy(undefined, true, { trustProxy: false })).toBe(false);
  });
  it('says what to set, and on an open loopback server to require sign-in too', () => {
    expect(describeUntrustedLocalProxy('x-real-ip', { openAccess: false })).toMatch(/x-real-ip header.*Set TANDEM_TRUST_PROXY=1/);
    expect(describeUntrustedLocalProxy('forwarded', { openAccess: false })).not.toMatch(/TANDEM_REQUIRE_SIGN_IN/);
    expect(describeUntrustedLocalProxy('forwarded', { openAccess: true })).toMatch(/set TANDEM_REQUIRE_SIGN_IN=1/);
  });
});
