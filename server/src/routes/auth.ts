import { Hono, type Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { generateState } from 'arctic';
import { colorForUserId } from '@tandem/shared/protocol/presence.js';
import {
  redeemInviteBodySchema,
  SIGN_IN_ERROR_FRAGMENT,
  SIGN_IN_TOKEN_FRAGMENT,
  type AuthOptionsResponse,
  type IdentityResponse,
  type SignInError,
} from '@tandem/shared/protocol/http.js';
import { ErrorCode } from '@tandem/shared/protocol/errors.js';
import type { AccessConfig, AccessMode } from '../auth/access-policy.js';
import { decideGitHubSignIn, displayNameOf, userIdForGitHubAccount, type GitHubSignIn } from '../auth/github-sign-in.js';
import { newUserId, type IdentityTokens } from '../auth/identity-token.js';
import { hashSecret, secretsEqual } from '../auth/secret-hash.js';
import type { InvitesRepository } from '../db/repositories/invites.js';
import type { UsersRepository } from '../db/repositories/users.js';
import { NotFoundError } from '../domain/errors.js';
import { HttpError } from '../http/http-error.js';
import type { AppEnv } from '../http/identity-middleware.js';
import { jsonBody } from '../http/json-body.js';
import type { ServerRateLimits } from '../http/rate-limit.js';

const STATE_COOKIE = 'tandem_github_state';
const RETURN_COOKIE = 'tandem_github_return';
const CALLBACK_PATH = '/api/auth/github/callback';
/** How long a person has on GitHub's consent page before the sign-in must start again. */
const SIGN_IN_STATE_MAX_AGE_SECONDS = 10 * 60;
const MAX_RETURN_PATH_CHARS = 512;

export interface AuthRouteDeps {
  mode: AccessMode;
  access: AccessConfig;
  tokens: IdentityTokens;
  users: UsersRepository;
  invites: InvitesRepository;
  github: GitHubSignIn | null;
  rateLimits: ServerRateLimits;
  logger: { error(message: string, error?: unknown): void };
  nowMs?: () => number;
}

/** A path inside this web app to come back to after sign-in; anything else (another origin, `//host`) is home. */
export function safeReturnPath(value: string | undefined): string {
  if (!value || value.length > MAX_RETURN_PATH_CHARS || !value.startsWith('/') || value.startsWith('//') || value.includes('\\')) return '/';
  const base = 'http://tandem.invalid';
  const url = new URL(value, base);
  return url.origin === base ? `${url.pathname}${url.search}` : '/';
}

/**
 * /api/auth: how to sign in here (GET /), invite codes (POST /invite) and GitHub sign-in
 * (GET /github → GitHub → GET /github/callback → back to the app with the token in the fragment).
 */
export function authRoutes(deps: AuthRouteDeps) {
  const nowMs = deps.nowMs ?? Date.now;
  const invitesEnabled = Boolean(deps.access.adminToken);
  const redirectUri = (c: Context) => `${(deps.access.publicUrl ?? new URL(c.req.url).origin).replace(/\/+$/, '')}${CALLBACK_PATH}`;
  const cookieOptions = (c: Context) => ({
    httpOnly: true,
    sameSite: 'Lax' as const,
    path: '/api/auth/github',
    secure: redirectUri(c).startsWith('https:'),
    maxAge: SIGN_IN_STATE_MAX_AGE_SECONDS,
  });

  return new Hono<AppEnv>()
    .get('/', (c) => {
      const body: AuthOptionsResponse = { signInRequired: deps.mode === 'sign-in', github: deps.github !== null, invites: invitesEnabled };
      return c.json(body);
    })
    .post(
      '/invite',
      deps.rateLimits.guard('identity'),
      async (_c, next) => {
        if (!invitesEnabled) throw NotFoundError.of('Invite codes on this server (its admin has not set TANDEM_ADMIN_TOKEN)');
        await next();
      },
      ...jsonBody(redeemInviteBodySchema),
      async (c) => {
      const { code, name } = c.req.valid('json');
      const id = newUserId();
      const redemption = await deps.invites.redeem(hashSecret(code), id, nowMs());
      switch (redemption.kind) {
        case 'redeemed':
          break;
        case 'unknown':
          throw new NotFoundError('This invite code is not valid. Check it, or ask the admin for a new one.');
        case 'used':
          throw new HttpError(410, ErrorCode.Forbidden, 'This invite code was already used. Ask the admin for a new one.');
        case 'expired':
          throw new HttpError(410, ErrorCode.Forbidden, 'This invite code has expired. Ask the admin for a new one.');
        default:
          return redemption satisfies never;
      }
      await deps.users.upsert({ id, name });
      const body: IdentityResponse = { token: deps.tokens.sign({ id, name, via: 'invite' }), user: { id, name, color: colorForUserId(id) } };
      return c.json(body, 201);
    })
    .get('/github', (c) => {
      if (!deps.github) throw NotFoundError.of('GitHub sign-in on this server');
      const state = generateState();
      setCookie(c, STATE_COOKIE, state, cookieOptions(c));
      setCookie(c, RETURN_COOKIE, safeReturnPath(c.req.query('returnTo')), cookieOptions(c));
      return c.redirect(deps.github.authorizationUrl(state, redirectUri(c)).toString(), 302);
    })
    .get('/github/callback', deps.rateLimits.guard('identity'), async (c) => {
      const github = deps.github;
      if (!github) throw NotFoundError.of('GitHub sign-in on this server');
      const expectedState = getCookie(c, STATE_COOKIE);
      const returnTo = safeReturnPath(getCookie(c, RETURN_COOKIE));
      deleteCookie(c, STATE_COOKIE, { path: '/api/auth/github' });
      deleteCookie(c, RETURN_COOKIE, { path: '/api/auth/github' });
      const fail = (error: SignInError) => c.redirect(`/#${SIGN_IN_ERROR_FRAGMENT}=${error}`, 302);

      // The state ties the callback to a sign-in this browser started (no one can log you in as them).
      const state = c.req.query('state');
      const code = c.req.query('code');
      if (!state || !code || !expectedState || !secretsEqual(state, expectedState)) return fail('expired');
      let account;
      try {
        account = await github.accountFor(code, redirectUri(c));
      } catch (error) {
        deps.logger.error('GitHub sign-in failed', error instanceof Error ? error.message : error);
        return fail('failed');
      }
      const decision = decideGitHubSignIn(account, deps.access.github ?? { allowedUsers: [], allowedOrgs: [] });
      switch (decision.kind) {
        case 'allowed':
          break;
        case 'refused':
          return fail('not-allowed');
        default:
          return decision satisfies never;
      }
      const user = await deps.users.ensure({ id: userIdForGitHubAccount(account.id), name: displayNameOf(account) });
      const token = deps.tokens.sign({ id: user.id, name: user.name, via: 'github' });
      // The fragment never reaches a server or a log; the web app reads it and clears it.
      return c.redirect(`${returnTo}#${SIGN_IN_TOKEN_FRAGMENT}=${encodeURIComponent(token)}`, 302);
    });
}
