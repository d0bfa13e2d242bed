import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { MAX_DISPLAY_NAME_CHARS } from '../../../shared/src/limits.js';

/**
 * A person's identity: an id and display name, signed by the server (HMAC-SHA256) so the browser
 * keeps it and nobody can forge or alter it. No accounts: the token is the identity.
 */
export const identitySchema = z.object({
  id: z.string().regex(/^u_[A-Za-z0-9_-]{16,40}$/),
  name: z.string().min(1).max(MAX_DISPLAY_NAME_CHARS),
});
export type Identity = z.infer<typeof identitySchema>;

const MAX_TOKEN_CHARS = 1024;

export interface IdentityTokens {
  sign(identity: Identity): string;
  /** The identity in a token, or undefined when it is malformed or its signature does not match. */
  verify(token: string): Identity | undefined;
}

export function createIdentityTokens(secret: string): IdentityTokens {
  const signatureOf = (payload: string) => createHmac('sha256', secret).update(payload).digest();
  return {
    sign(identity) {
      const payload = Buffer.from(JSON.stringify(identity)).toString('base64url');
      return `${payload}.${signatureOf(payload).toString('base64url')}`;
    },
    verify(token) {
      if (token.length > MAX_TOKEN_CHARS) return undefined;
      const [payload, signature, extra] = token.split('.');
      if (!payload || !signature || extra !== undefined) return undefined;
      const expected = signatureOf(payload);
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

export function newSigningSecret(): string {
  return randomBytes(32).toString('base64url');
}
