import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createIdentityTokens, newSigningSecret, newUserId } from './identity-token.js';
import { createStoredKeyring, type SigningKeyStore } from './signing-keys.js';

describe('identity tokens', () => {
  const tokens = createIdentityTokens(newSigningSecret());
  const identity = { id: newUserId(), name: 'Ada', via: 'invite' as const };

  it('round-trips a signed identity, with how it signed in', async () => {
    expect(await tokens.verify(tokens.sign(identity))).toEqual(identity);
  });

  it('rejects a token whose name or sign-in method was changed without the key', async () => {
    const [keyId, , signature] = tokens.sign(identity).split('.');
    for (const forged of [{ ...identity, name: 'Mallory' }, { ...identity, via: 'github' }]) {
      const forgedPayload = Buffer.from(JSON.stringify(forged)).toString('base64url');
      expect(await tokens.verify(`${keyId}.${forgedPayload}.${signature}`)).toBeUndefined();
    }
  });

  it('rejects a token signed with another server’s key, and garbage', async () => {
    const other = createIdentityTokens(newSigningSecret());
    expect(await tokens.verify(other.sign(identity))).toBeUndefined();
    for (const garbage of ['', 'a.b', 'a.b.c', '.b.c', 'a.b.c.d', 'x'.repeat(5000)]) expect(await tokens.verify(garbage)).toBeUndefined();
  });

  it('still accepts a token from before key ids, until the key is rotated', async () => {
    let secret = newSigningSecret();
    const store: SigningKeyStore = { load: async () => secret, replace: async (next) => void (secret = next) };
    const keyring = createStoredKeyring({ store, initialSecret: secret });
    const rotating = createIdentityTokens(keyring);
    const payload = Buffer.from(JSON.stringify({ id: identity.id, name: 'Ada' })).toString('base64url');
    const legacy = `${payload}.${createHmac('sha256', secret).update(payload).digest('base64url')}`;
    expect(await rotating.verify(legacy)).toEqual({ id: identity.id, name: 'Ada' });
    await keyring.rotate();
    expect(await rotating.verify(legacy)).toBeUndefined();
  });
});

describe('signing key rotation', () => {
  it('revokes every token on the node that rotated at once, and on another node within the recheck interval', async () => {
    let stored = newSigningSecret();
    const store: SigningKeyStore = { load: async () => stored, replace: async (next) => void (stored = next) };
    let nowMs = 0;
    const nodeA = createStoredKeyring({ store, initialSecret: stored, nowMs: () => nowMs, recheckIntervalMs: 5_000 });
    const nodeB = createStoredKeyring({ store, initialSecret: stored, nowMs: () => nowMs, recheckIntervalMs: 5_000 });
    const [tokensA, tokensB] = [createIdentityTokens(nodeA), createIdentityTokens(nodeB)];
    const identity = { id: newUserId(), name: 'Ada', via: 'github' as const };
    const before = tokensA.sign(identity);
    expect(await tokensB.verify(before)).toEqual(identity);

    await nodeA.rotate();
    expect(await tokensA.verify(before)).toBeUndefined();
    // A token of the new key is accepted by the other node at once (an unknown key id makes it re-read the store)…
    nowMs += 1_000;
    const after = tokensA.sign(identity);
    expect(await tokensB.verify(after)).toEqual(identity);
    // …and from then on the old key is gone there too.
    expect(await tokensB.verify(before)).toBeUndefined();
  });

  it('a node that sees no new token still drops the old key once its copy is older than the recheck interval', async () => {
    let stored = newSigningSecret();
    const store: SigningKeyStore = { load: async () => stored, replace: async (next) => void (stored = next) };
    let nowMs = 0;
    const nodeA = createStoredKeyring({ store, initialSecret: stored, nowMs: () => nowMs, recheckIntervalMs: 5_000 });
    const nodeB = createStoredKeyring({ store, initialSecret: stored, nowMs: () => nowMs, recheckIntervalMs: 5_000 });
    const before = createIdentityTokens(nodeA).sign({ id: newUserId(), name: 'Ada', via: 'github' });
    await nodeA.rotate();
    expect(await createIdentityTokens(nodeB).verify(before)).toBeDefined();
    nowMs += 5_000;
    expect(await createIdentityTokens(nodeB).verify(before)).toBeUndefined();
  });
});
