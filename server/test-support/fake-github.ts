import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { json, readBody } from './fake-http.js';

/**
 * A local stand-in for GitHub's OAuth web flow and the two API calls sign-in makes, for tests only
 * (there is no GitHub here). It behaves as GitHub does where Tandem depends on it: the authorize page
 * redirects back with a one-time code and the state; the token endpoint checks the app's credentials
 * and answers a bad code with 200 and an `error` field; organisation memberships are visible only
 * with the `read:org` scope.
 */
export interface FakeGitHubAccount {
  id: number;
  login: string;
  name?: string;
  orgs: string[];
}

export interface FakeGitHub {
  url: string;
  clientId: string;
  clientSecret: string;
  /** The account that approves the next authorization, as if that person clicked "Authorize". */
  signInAs(account: FakeGitHubAccount): void;
  close(): Promise<void>;
}

interface Grant {
  account: FakeGitHubAccount;
  scopes: string[];
  redirectUri: string;
}

export async function startFakeGitHub(): Promise<FakeGitHub> {
  const clientId = 'fake-client-id';
  const clientSecret = `fake-secret-${randomBytes(8).toString('hex')}`;
  let approver: FakeGitHubAccount | undefined;
  const codes = new Map<string, Grant>();
  const accessTokens = new Map<string, Grant>();

  const server = createServer((request, response) => {
    void (async () => {
      const url = new URL(request.url ?? '/', 'http://fake-github');
      if (request.method === 'GET' && url.pathname === '/login/oauth/authorize') {
        const redirectUri = url.searchParams.get('redirect_uri');
        if (url.searchParams.get('client_id') !== clientId || !redirectUri || !approver) return json(response, 400, { error: 'bad authorize request' });
        const code = randomBytes(10).toString('hex');
        codes.set(code, { account: approver, scopes: (url.searchParams.get('scope') ?? '').split(' ').filter(Boolean), redirectUri });
        const back = new URL(redirectUri);
        back.searchParams.set('code', code);
        back.searchParams.set('state', url.searchParams.get('state') ?? '');
        response.writeHead(302, { location: back.toString() });
        return response.end();
      }
      if (request.method === 'POST' && url.pathname === '/login/oauth/access_token') {
        const expected = `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`;
        if (request.headers.authorization !== expected) return json(response, 401, { error: 'invalid_client' });
        const form = new URLSearchParams(await readBody(request));
        const grant = codes.get(form.get('code') ?? '');
        codes.delete(form.get('code') ?? '');
        if (!grant || grant.redirectUri !== form.get('redirect_uri')) return json(response, 200, { error: 'bad_verification_code', error_description: 'The code passed is incorrect or expired.' });
        const accessToken = `gho_${randomBytes(12).toString('hex')}`;
        accessTokens.set(accessToken, grant);
        return json(response, 200, { access_token: accessToken, token_type: 'bearer', scope: grant.scopes.join(',') });
      }
      const grant = accessTokens.get((request.headers.authorization ?? '').replace(/^Bearer /, ''));
      if (!grant) return json(response, 401, { message: 'Bad credentials' });
      if (request.method === 'GET' && url.pathname === '/user') {
        return json(response, 200, { id: grant.account.id, login: grant.account.login, name: grant.account.name ?? null });
      }
      if (request.method === 'GET' && url.pathname === '/user/orgs') {
        return json(response, 200, grant.scopes.includes('read:org') ? grant.account.orgs.map((login) => ({ login })) : []);
      }
      return json(response, 404, { message: 'Not Found' });
    })().catch(() => json(response, 500, { message: 'fake GitHub failed' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    clientId,
    clientSecret,
    signInAs: (account) => void (approver = account),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
