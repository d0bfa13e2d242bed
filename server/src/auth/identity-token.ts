import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { MAX_DISPLAY_NAME_CHARS } from '@tandem/shared/limits.js';
import { createFixedKeyring, type SigningKey, type SigningKeyring } from './signing-keys.js';

export { newSigningSecret } from './signing-keys.js';

/** How a person got their identity: a display name (open servers), GitHub, or an admin's invite code. */
export const signInMethodSchema = z.enum(['name', 'github', 'invite']);
export type SignInMethod = z.infer<typeof signInMethodSchema>;

/**
 * A person's identity: an id and display name, signed by the server (HMAC-SHA256) so the browser
 * keeps it and nobody can forge or alter it. The token is the identity; rotating the signing key
 * revokes every token at once.
 */
export const identitySchema = z.object({
  id: z.string().regex(/^u_[A-Za-z0-9_-]{16,40}$/),
  name: z.string().min(1).max(MAX_DISPLAY_NAME_CHARS),
  /** Absent in tokens made before sign-in existed: those were display names. */
  via: signInMethodSchema.optional(),
});
export type Identity = z.infer<typeof identitySchema>;

export function signInMethodOf(identity: Identity): SignInMethod {
  return identity.via ?? 'name';
}

const MAX_TOKEN_CHARS = 1024;

export interface IdentityTokens {
  sign(identity: Identity): string;
  /** The identity in a token, or undefined when it is malformed, forged, or signed with a rotated-away key. */
  verify(token: string): Promise<Identity | undefined>;
}

/** Tokens are `<key id>.<payload>.<signature>`; the signature covers the key id and the payload. */
export function createIdentityTokens(keys: SigningKeyring | string): IdentityTokens {
  const keyring = typeof keys === 'string' ? createFixedKeyring(keys) : keys;
  const signatureOf = (key: SigningKey, keyId: string, payload: string) => createHmac('sha256', key.secret).update(`${keyId}.${payload}`).digest();
  return {
    sign(identity) {
      const key = keyring.current();
      const payload = Buffer.from(JSON.stringify(identity)).toString('base64url');
      return `${key.id}.${payload}.${signatureOf(key, key.id, payload).toString('base64url')}`;
    },
    async verify(token) {
      if (token.length > MAX_TOKEN_CHARS) return undefined;
      const parts = token.split('.');
      // Tokens from before key ids (`<payload>.<signature>`) still work until the key is first rotated.
      const [keyId, payload, signature] = parts.length === 2 ? [undefined, ...parts] : parts;
      if (!payload || !signature || parts.length > 3 || (parts.length === 3 && !keyId)) return undefined;
      const key = keyId === undefined ? await keyring.find(keyring.current().id) : await keyring.find(keyId);
      if (!key) return undefined;
      const expected = keyId === undefined ? createHmac('sha256', key.secret).update(payload).digest() : signatureOf(key, keyId, payload);
      const given = Buffer.from(signature, 'base64url');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
      try {
        const parsed = identitySchema.safeParse(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')));
        return parsed.success ? parsed.data : undefined;
      } catch {
        return undefined;
      }
    },
  };
}

export function newUserId(): string {
  return `u_${randomBytes(12).toString('base64url')}`;
}
