import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Bearer secrets (share-link tokens, invite codes) are stored as their SHA-256, so a copy of the
 * database opens nothing. The secrets are 192 random bits, so a plain hash needs no salt or stretching.
 */
export function hashSecret(raw: string): string {
  return createHash('sha256').update(raw, 'utf8').digest('hex');
}

/** A fresh bearer secret: 24 random bytes, URL-safe. */
export function newBearerSecret(): string {
  return randomBytes(24).toString('base64url');
}

/** Compares two secrets in constant time (by their hashes, so lengths never leak either). */
export function secretsEqual(given: string, expected: string): boolean {
  return timingSafeEqual(createHash('sha256').update(given).digest(), createHash('sha256').update(expected).digest());
}
