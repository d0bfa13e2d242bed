import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';

/**
 * AES-256-GCM for secret values at rest. Each key is derived with HKDF-SHA256 from a master secret
 * (TANDEM_SECRET_KEY, or one generated and kept in the store), so the master itself never encrypts
 * anything and the same master gives the same key on every node.
 */

const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const HKDF_SALT = 'tandem environment secrets';
const HKDF_INFO = 'aes-256-gcm v1';

export interface SecretKey {
  /** A hash prefix of the derived key (never the key): stored beside each value it encrypted. */
  id: string;
  key: Buffer;
}

export interface SealedValue {
  nonce: Uint8Array;
  /** Ciphertext followed by the GCM tag. */
  ciphertext: Uint8Array;
  keyId: string;
}

export function newMasterSecret(): string {
  return randomBytes(32).toString('base64url');
}

export function deriveSecretKey(master: string): SecretKey {
  const key = Buffer.from(hkdfSync('sha256', Buffer.from(master, 'utf8'), HKDF_SALT, HKDF_INFO, KEY_BYTES));
  const id = `k_${createHash('sha256').update('tandem secrets key id:').update(key).digest('base64url').slice(0, 12)}`;
  return { id, key };
}

/**
 * `binding` (scope, repo and name) is authenticated with the value, so a row's ciphertext copied into
 * another row (another repo's secret, a server-wide one) fails to decrypt instead of leaking there.
 */
export function sealValue(key: SecretKey, value: string, binding: string): SealedValue {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key.key, nonce);
  cipher.setAAD(Buffer.from(binding, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(value, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return { nonce, ciphertext, keyId: key.id };
}

export function openValue(key: SecretKey, sealed: Pick<SealedValue, 'nonce' | 'ciphertext'>, binding: string): string {
  const data = Buffer.from(sealed.ciphertext);
  const decipher = createDecipheriv('aes-256-gcm', key.key, Buffer.from(sealed.nonce));
  decipher.setAAD(Buffer.from(binding, 'utf8'));
  decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
  return Buffer.concat([decipher.update(data.subarray(0, data.length - TAG_BYTES)), decipher.final()]).toString('utf8');
}

export const secretBinding = (scope: string, repo: string, name: string) => `${scope}\u0000${repo}\u0000${name}`;
