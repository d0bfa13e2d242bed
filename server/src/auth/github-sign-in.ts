import { OAuth2Client } from 'arctic';
import { z } from 'zod';
import { MAX_DISPLAY_NAME_CHARS } from '@tandem/shared/limits.js';
import type { GitHubSignInConfig } from './access-policy.js';

export const GITHUB_DEFAULT_WEB_URL = 'https://github.com';
export const GITHUB_DEFAULT_API_URL = 'https://api.github.com';
/** GitHub lists at most this many organisations per page; a person in more is checked on the first page only. */
const ORGS_PAGE_SIZE = 100;

const githubUserSchema = z.object({ id: z.number().int().positive(), login: z.string().min(1).max(100), name: z.string().nullish() });
const githubOrgsSchema = z.array(z.object({ login: z.string() }));

export interface GitHubAccount {
  id: number;
  login: string;
  name: string;
  orgs: string[];
}

export type GitHubSignInDecision = { kind: 'allowed' } | { kind: 'refused' };

/** In when the login is listed, or when the person belongs to a listed organisation (case-insensitive). */
export function decideGitHubSignIn(account: Pick<GitHubAccount, 'login' | 'orgs'>, config: Pick<GitHubSignInConfig, 'allowedUsers' | 'allowedOrgs'>): GitHubSignInDecision {
  const lower = (values: readonly string[]) => new Set(values.map((value) => value.toLowerCase()));
  if (lower(config.allowedUsers).has(account.login.toLowerCase())) return { kind: 'allowed' };
  const allowedOrgs = lower(config.allowedOrgs);
  return account.orgs.some((org) => allowedOrgs.has(org.toLowerCase())) ? { kind: 'allowed' } : { kind: 'refused' };
}

/** A GitHub account's Tandem id is stable (its numeric id), so signing in again after a key rotation keeps one's sessions. */
export function userIdForGitHubAccount(githubId: number): string {
  return `u_github_${String(githubId).padStart(9, '0')}`;
}

export function displayNameOf(account: Pick<GitHubAccount, 'login' | 'name'>): string {
  const name = account.name?.trim() || account.login;
  return name.slice(0, MAX_DISPLAY_NAME_CHARS);
}

/** The OAuth app's side of "Sign in with GitHub" (arctic's OAuth 2.0 client, so the GitHub host is configurable). */
export function createGitHubSignIn(config: GitHubSignInConfig) {
  const trimmed = (url: string) => url.replace(/\/+$/, '');
  const authorizeUrl = `${trimmed(config.webUrl)}/login/oauth/authorize`;
  const tokenUrl = `${trimmed(config.webUrl)}/login/oauth/access_token`;
  const apiUrl = trimmed(config.apiUrl);
  // Private organisation memberships are only visible with read:org.
  const scopes = config.allowedOrgs.length > 0 ? ['read:org'] : [];

  async function getJson<T>(path: string, accessToken: string, schema: z.ZodType<T>): Promise<T> {
    const response = await fetch(`${apiUrl}${path}`, {
      headers: { authorization: `Bearer ${accessToken}`, accept: 'application/vnd.github+json', 'user-agent': 'tandem' },
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok) throw new Error(`GitHub answered ${response.status} to ${path}`);
    return schema.parse(await response.json());
  }

  return {
    authorizationUrl(state: string, redirectUri: string): URL {
      return new OAuth2Client(config.clientId, config.clientSecret, redirectUri).createAuthorizationURL(authorizeUrl, state, scopes);
    },

    /** Trades the callback's code for the account (and, when organisations are configured, its organisations). */
    async accountFor(code: string, redirectUri: string): Promise<GitHubAccount> {
      const tokens = await new OAuth2Client(config.clientId, config.clientSecret, redirectUri).validateAuthorizationCode(tokenUrl, code, null);
      // GitHub reports a bad code as 200 with an `error` field: there is then no access token.
      const accessToken = tokens.accessToken();
      const user = await getJson('/user', accessToken, githubUserSchema);
      const listed = config.allowedUsers.some((login) => login.toLowerCase() === user.login.toLowerCase());
      const orgs = listed || config.allowedOrgs.length === 0 ? [] : (await getJson(`/user/orgs?per_page=${ORGS_PAGE_SIZE}`, accessToken, githubOrgsSchema)).map((org) => org.login);
      return { id: user.id, login: user.login, name: user.name ?? user.login, orgs };
    },
  };
}
export type GitHubSignIn = ReturnType<typeof createGitHubSignIn>;
