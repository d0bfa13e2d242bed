import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { safeReturnPath } from '../routes/auth.js';
import { decideSandboxAdmission } from '../session/sandbox-admission.js';
import { DEFAULT_ACCESS, decideAccessMode, decideIdentityAccepted, isLoopbackHost, problemWithAccess } from './access-policy.js';
import { decideGitHubSignIn, userIdForGitHubAccount } from './github-sign-in.js';

describe('access mode', () => {
  it('is open only on loopback, and only when sign-in is not asked for', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost']) expect(decideAccessMode(host, DEFAULT_ACCESS)).toBe('open');
    for (const host of ['0.0.0.0', '::', '192.168.1.20', 'tandem.example.com', '::ffff:10.0.0.1']) {
      expect(isLoopbackHost(host)).toBe(false);
      expect(decideAccessMode(host, DEFAULT_ACCESS)).toBe('sign-in');
    }
    expect(decideAccessMode('127.0.0.1', { ...DEFAULT_ACCESS, requireSignIn: true })).toBe('sign-in');
  });

  it('a bare display name counts only on an open server', () => {
    const name = { id: 'u_aaaaaaaaaaaaaaaa', name: 'Ada' };
    expect(decideIdentityAccepted(name, 'open')).toBe(true);
    expect(decideIdentityAccepted(name, 'sign-in')).toBe(false);
    expect(decideIdentityAccepted({ ...name, via: 'invite' }, 'sign-in')).toBe(true);
    expect(decideIdentityAccepted({ ...name, via: 'github' }, 'sign-in')).toBe(true);
  });

  it('refuses to start a server nobody could sign in to, or one GitHub would open to everyone', () => {
    expect(problemWithAccess('sign-in', DEFAULT_ACCESS)).toMatch(/TANDEM_GITHUB_CLIENT_ID.*TANDEM_ADMIN_TOKEN/);
    const github = { clientId: 'id', clientSecret: 'secret', webUrl: 'https://github.com', apiUrl: 'https://api.github.com', allowedUsers: [], allowedOrgs: [] };
    expect(problemWithAccess('sign-in', { ...DEFAULT_ACCESS, github })).toMatch(/every GitHub account/);
    expect(problemWithAccess('sign-in', { ...DEFAULT_ACCESS, github: { ...github, allowedOrgs: ['team'] } })).toBeUndefined();
    expect(problemWithAccess('open', DEFAULT_ACCESS)).toBeUndefined();
  });

  it('reads sign-in settings from the environment and names what is wrong', () => {
    const config = loadConfig({ HOST: '0.0.0.0', TANDEM_GITHUB_CLIENT_ID: 'id', TANDEM_GITHUB_CLIENT_SECRET: 's', TANDEM_GITHUB_ALLOWED_ORGS: 'team, other ,' });
    expect(config.access?.github?.allowedOrgs).toEqual(['team', 'other']);
    expect(config.access?.github?.webUrl).toBe('https://github.com');
    expect(() => loadConfig({ TANDEM_GITHUB_CLIENT_ID: 'id' })).toThrow(/TANDEM_GITHUB_CLIENT_SECRET/);
    expect(() => loadConfig({ TANDEM_ADMIN_TOKEN: 'short' })).toThrow(/TANDEM_ADMIN_TOKEN must be at least 32/);
    expect(() => loadConfig({ TANDEM_REQUIRE_SIGN_IN: 'yes please' })).toThrow(/TANDEM_REQUIRE_SIGN_IN/);
  });
});

describe('GitHub sign-in decision', () => {
  const config = { allowedUsers: ['Alice'], allowedOrgs: ['Tandem-Team'] };
  it('lets in listed logins and members of listed organisations, case-insensitively', () => {
    expect(decideGitHubSignIn({ login: 'alice', orgs: [] }, config).kind).toBe('allowed');
    expect(decideGitHubSignIn({ login: 'bob', orgs: ['tandem-team'] }, config).kind).toBe('allowed');
    expect(decideGitHubSignIn({ login: 'mallory', orgs: ['elsewhere'] }, config).kind).toBe('refused');
    expect(decideGitHubSignIn({ login: 'alice-two', orgs: [] }, config).kind).toBe('refused');
  });
  it('gives a GitHub account the same valid Tandem id every time', () => {
    expect(userIdForGitHubAccount(7)).toBe('u_github_000000007');
    expect(userIdForGitHubAccount(123456789012)).toMatch(/^u_[A-Za-z0-9_-]{16,40}$/);
  });
});

describe('return path after sign-in', () => {
  it('stays inside the web app', () => {
    expect(safeReturnPath('/s/abc')).toBe('/s/abc');
    expect(safeReturnPath('/join/tok?x=1')).toBe('/join/tok?x=1');
    for (const outside of [undefined, '', 'https://evil.example', '//evil.example', '/\\evil.example', 'javascript:alert(1)', `/${'a'.repeat(600)}`]) {
      expect(safeReturnPath(outside)).toBe('/');
    }
  });
});

describe('sandbox admission', () => {
  const caps = { perPerson: 2, perServer: 3 };
  it('counts sandboxes against the session owner, and the server as a whole', () => {
    expect(decideSandboxAdmission({ ownerId: 'ada', liveOwnerIds: ['ada', 'bob'], caps }).kind).toBe('admitted');
    expect(decideSandboxAdmission({ ownerId: 'ada', liveOwnerIds: ['ada', 'ada'], caps })).toMatchObject({ kind: 'refused', cap: 'perPerson' });
    expect(decideSandboxAdmission({ ownerId: 'cid', liveOwnerIds: ['ada', 'bob', 'bob'], caps })).toMatchObject({ kind: 'refused', cap: 'perServer' });
  });
});
