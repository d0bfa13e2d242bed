import { isIP } from 'node:net';
import { signInMethodOf, type Identity } from './identity-token.js';

/** GitHub sign-in (an OAuth app), limited to listed accounts and organisations. */
export interface GitHubSignInConfig {
  clientId: string;
  clientSecret: string;
  /** github.com, or a GitHub Enterprise host (and a local fake in tests). */
  webUrl: string;
  apiUrl: string;
  /** Logins allowed in (compared case-insensitively). */
  allowedUsers: string[];
  /** Members of these organisations are allowed in. */
  allowedOrgs: string[];
}

/** Who may use this server, and how they prove it. */
export interface AccessConfig {
  /** Require sign-in even on loopback (a server behind a reverse proxy on the same machine). */
  requireSignIn: boolean;
  github?: GitHubSignInConfig;
  /** Bearer token of the admin API (invite codes, key rotation); none means no admin API. */
  adminToken?: string;
  /** Read the client's address from X-Forwarded-For (only behind a proxy that sets it). */
  trustProxy: boolean;
  /** The address people open (for the OAuth redirect); by default the request's own origin. */
  publicUrl?: string;
}

export const DEFAULT_ACCESS: AccessConfig = { requireSignIn: false, trustProxy: false };

export type AccessMode = 'open' | 'sign-in';

/** A host name only this machine can reach. Anything else (0.0.0.0, ::, a LAN name) is public. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost' || bare.endsWith('.localhost')) return true;
  return isIP(bare) !== 0 && isLoopbackAddress(bare);
}

export function isLoopbackAddress(address: string): boolean {
  const bare = address.replace(/^::ffff:/i, '');
  return bare === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare);
}

/** Open (anyone picks a display name) only on loopback and only when not asked otherwise; sign-in everywhere else. */
export function decideAccessMode(host: string, access: AccessConfig): AccessMode {
  return access.requireSignIn || !isLoopbackHost(host) ? 'sign-in' : 'open';
}

/** Why a server in this mode could not let anyone in, or undefined when it can. */
export function problemWithAccess(mode: AccessMode, access: AccessConfig): string | undefined {
  if (mode === 'open') return undefined;
  if (!access.github && !access.adminToken) {
    return 'a server that listens beyond loopback (HOST) or sets TANDEM_REQUIRE_SIGN_IN needs a way to sign in: set TANDEM_GITHUB_CLIENT_ID and TANDEM_GITHUB_CLIENT_SECRET with TANDEM_GITHUB_ALLOWED_USERS or TANDEM_GITHUB_ALLOWED_ORGS, or TANDEM_ADMIN_TOKEN to make invite codes (npm run invite)';
  }
  if (access.github && access.github.allowedUsers.length === 0 && access.github.allowedOrgs.length === 0) {
    return 'GitHub sign-in would let every GitHub account in: set TANDEM_GITHUB_ALLOWED_USERS and/or TANDEM_GITHUB_ALLOWED_ORGS';
  }
  return undefined;
}

/** Whether an identity counts on this server: a bare display name does not where sign-in is required. */
export function decideIdentityAccepted(identity: Identity, mode: AccessMode): boolean {
  const method = signInMethodOf(identity);
  switch (method) {
    case 'name':
      return mode === 'open';
    case 'github':
    case 'invite':
      return true;
    default:
      return method satisfies never;
  }
}
