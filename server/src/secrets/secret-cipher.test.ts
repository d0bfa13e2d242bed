import { describe, expect, it } from 'vitest';
import { deriveSecretKey, openValue, sealValue, secretBinding } from './secret-cipher.js';

/** AES-256-GCM at rest: a nonce used twice under one key gives away both values (and the key's authenticator). */

const key = deriveSecretKey('a master secret for the cipher test, long enough');
const binding = secretBinding('repo', '/r', 'API_TOKEN');
const VALUE = 'sk-the-same-value-sealed-twice';

describe('sealing a secret value', () => {
  it('takes a fresh nonce each time: the same value sealed twice differs, and both open', () => {
    const first = sealValue(key, VALUE, binding);
    const second = sealValue(key, VALUE, binding);
    expect(first.nonce.byteLength).toBe(12);
    expect(Buffer.from(second.nonce).equals(Buffer.from(first.nonce))).toBe(false);
    expect(Buffer.from(second.ciphertext).equals(Buffer.from(first.ciphertext))).toBe(false);
    expect(openValue(key, first, binding)).toBe(VALUE);
    expect(openValue(key, second, binding)).toBe(VALUE);
  });

  it('never repeats a nonce over many seals', () => {
    const nonces = new Set(Array.from({ length: 200 }, () => Buffer.from(sealValue(key, VALUE, binding).nonce).toString('hex')));
    expect(nonces.size).toBe(200);
  });
});
