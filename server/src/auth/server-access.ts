import type { Config } from '../config.js';
import type { DatabaseHandle } from '../db/database.js';
import { createInvitesRepository } from '../db/repositories/invites.js';
import { getOrCreateSecret, readSecret, replaceSecret } from '../db/repositories/secrets.js';
import { createRateLimits, DEFAULT_RATE_LIMITS } from '../http/rate-limit.js';
import { DEFAULT_ACCESS, decideAccessMode, isLoopbackHost, problemWithAccess } from './access-policy.js';
import { createGitHubSignIn } from './github-sign-in.js';
import { createIdentityTokens } from './identity-token.js';
import { createFixedKeyring, createStoredKeyring, newSigningSecret } from './signing-keys.js';

const IDENTITY_SECRET_NAME = 'identity-signing-key';

/**
 * Who may use this server and how they prove it: the access mode (open on loopback, sign-in
 * elsewhere), identity tokens and their signing key, GitHub sign-in, invite codes, rate limits.
 * Refuses to start a server nobody could sign in to.
 */
export async function createServerAccess(config: Config, database: DatabaseHandle) {
  const access = config.access ?? DEFAULT_ACCESS;
  const mode = decideAccessMode(config.host, access);
  const problem = problemWithAccess(mode, access);
  if (problem) throw new Error(`Invalid configuration: ${problem}`);

  const keyring = config.secret
    ? createFixedKeyring(config.secret)
    : createStoredKeyring({
        initialSecret: await getOrCreateSecret(database.db, IDENTITY_SECRET_NAME, newSigningSecret),
        store: {
          load: () => readSecret(database.db, IDENTITY_SECRET_NAME),
          replace: (secret) => replaceSecret(database.db, IDENTITY_SECRET_NAME, secret),
        },
      });
  return {
    mode,
    access,
    keyring,
    tokens: createIdentityTokens(keyring),
    github: access.github ? createGitHubSignIn(access.github) : null,
    invites: createInvitesRepository(database.db),
    rateLimits: createRateLimits(config.limits?.rates ?? DEFAULT_RATE_LIMITS, {
      trustProxy: access.trustProxy,
      boundBeyondLoopback: !isLoopbackHost(config.host),
      openAccess: mode === 'open',
    }),
  };
}
export type ServerAccess = Awaited<ReturnType<typeof createServerAccess>>;
