import { randomBytes } from 'node:crypto';
import { Hono } from 'hono';
import { INVITE_CODE_TTL_MS } from '@tandem/shared/limits.js';
import { invitePath, type NewInviteResponse, type RotateKeyResponse } from '@tandem/shared/protocol/http.js';
import { hashSecret, newBearerSecret, secretsEqual } from '../auth/secret-hash.js';
import { KeyRotationUnavailableError, type SigningKeyring } from '../auth/signing-keys.js';
import type { InvitesRepository } from '../db/repositories/invites.js';
import type { RotateSecretsKeyResponse } from '@tandem/shared/protocol/secrets.js';
import type { SecretsStore } from '../secrets/secrets-store.js';
import { ConflictError, DeniedError, NotFoundError } from '../domain/errors.js';
import type { AppEnv } from '../http/identity-middleware.js';

/**
 * /api/admin, for whoever holds TANDEM_ADMIN_TOKEN (`npm run invite`, `npm run rotate-key`):
 * make an invite code, rotate the identity signing key (every identity token stops working), re-seal
 * every environment secret under a new key (`npm run rotate-secrets-key`).
 */
export function adminRoutes(deps: { adminToken: string | undefined; invites: InvitesRepository; keyring: SigningKeyring; secrets?: SecretsStore; nowMs?: () => number }) {
  const nowMs = deps.nowMs ?? Date.now;
  return new Hono<AppEnv>()
    .use('*', async (c, next) => {
      if (!deps.adminToken) throw NotFoundError.of('Admin API on this server (set TANDEM_ADMIN_TOKEN to enable it)');
      const header = c.req.header('authorization');
      const given = header?.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : '';
      if (!secretsEqual(given, deps.adminToken)) {
        throw new DeniedError('Admin calls need Authorization: Bearer <TANDEM_ADMIN_TOKEN>');
      }
      await next();
    })
    .post('/invites', async (c) => {
      const code = newBearerSecret();
      const expiresAt = nowMs() + INVITE_CODE_TTL_MS;
      await deps.invites.create({ id: `i_${randomBytes(9).toString('base64url')}`, codeHash: hashSecret(code), expiresAt: new Date(expiresAt) });
      const body: NewInviteResponse = { code, path: invitePath(code), expiresAt };
      return c.json(body, 201);
    })
    .post('/rotate-secrets-key', async (c) => {
      if (!deps.secrets) throw NotFoundError.of('Environment secrets on this server');
      const report = await deps.secrets.rotate();
      const body: RotateSecretsKeyResponse = {
        ...report,
        message:
          `Environment secrets are sealed under key ${report.keyId} now: ${report.resealed} value(s) re-encrypted.` +
          (report.unreadable.length > 0 ? ` Not readable with any known key (left as they are): ${report.unreadable.join(', ')}.` : ''),
      };
      return c.json(body);
    })
    .post('/rotate-key', async (c) => {
      try {
        await deps.keyring.rotate();
      } catch (error) {
        if (error instanceof KeyRotationUnavailableError) throw new ConflictError(error.message);
        throw error;
      }
      const body: RotateKeyResponse = {
        rotated: true,
        message: 'The identity signing key was replaced: every identity token is revoked (other nodes follow within seconds). People sign in again.',
      };
      return c.json(body);
    });
}
