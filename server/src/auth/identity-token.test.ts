import { describe, expect, it } from 'vitest';
import { createIdentityTokens, newSigningSecret, newUserId } from './identity-token.js';

describe('identity tokens', () => {
  const tokens = createIdentityTokens(newSigningSecret());
  const identity = { id: newUserId(), name: 'Ada' };

  it('round-trips a signed identity', () => {
    expect(tokens.verify(tokens.sign(identity))).toEqual(identity);
  });

  it('rejects a token whose name was changed without the key', () => {
    const [, signature] = tokens.sign(identity).split('.');
    const forgedPayload = Buffer.from(JSON.stringify({ ...identity, name: 'Mallory' })).toString('base64url');
    expect(tokens.verify(`${forgedPayload}.${signature}`)).toBeUndefined();
  });

  it('rejects a token signed with another server’s key, and garbage', () => {
    const other = createIdentityTokens(newSigningSecret());
    expect(tokens.verify(other.sign(identity))).toBeUndefined();
    expect(tokens.verify('')).toBeUndefined();
    expect(tokens.verify('a.b.c')).toBeUndefined();
    expect(tokens.verify('x'.repeat(5000))).toBeUndefined();
  });
});
