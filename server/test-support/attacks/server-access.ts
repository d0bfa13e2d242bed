/**
 * Attacks on who may use a server at all. Whoever can reach a server's port is a stranger until they
 * sign in; these are the moves a stranger (or a thief holding a copy of the database) would make.
 *
 * - Walk in: ask for an identity or a session without signing in, or with a display-name token from
 *   when the server was open on loopback.
 * - Log a victim in as the attacker (login CSRF): finish GitHub's step yourself, hand the victim the
 *   callback URL; or send people to an outside page after sign-in (open redirect).
 * - Reuse an invite: redeem one code many times at once.
 * - Flood: create identities, sessions, messages as fast as the server answers.
 * - Steal the database: read every table as text, look for a token that opens a session.
 */
import { sql } from 'drizzle-orm';
import type { Database } from '../../src/db/database.js';

export interface SignInOutcome {
  /** Where the browser lands in the web app after the callback (path and fragment). */
  landing: string;
  /** The identity token handed to the web app, when sign-in succeeded. */
  token?: string;
  /** The error code handed to the web app, when it did not. */
  error?: string;
}

function cookiesFrom(response: Response): string {
  return response.headers
    .getSetCookie()
    .map((cookie) => cookie.split(';')[0])
    .join('; ');
}

function landingOf(location: string): SignInOutcome {
  const url = new URL(location, 'http://app.invalid');
  const fragment = new URLSearchParams(url.hash.slice(1));
  return {
    landing: `${url.pathname}${url.hash}`,
    token: fragment.get('sign-in') ?? undefined,
    error: fragment.get('sign-in-error') ?? undefined,
  };
}

async function redirectOf(url: string, cookie = ''): Promise<{ location: string; response: Response }> {
  const response = await fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });
  const location = response.headers.get('location');
  if (response.status !== 302 || !location) throw new Error(`expected a redirect from ${url}, got ${response.status}: ${await response.text()}`);
  return { location, response };
}

/** A browser clicking "Sign in with GitHub" and approving on GitHub (whoever the fake GitHub says approves). */
export async function signInWithGitHub(serverUrl: string, returnTo = '/'): Promise<SignInOutcome> {
  const start = await redirectOf(`${serverUrl}/api/auth/github?returnTo=${encodeURIComponent(returnTo)}`);
  const browserCookies = cookiesFrom(start.response);
  const approved = await redirectOf(start.location);
  const callback = await redirectOf(approved.location, browserCookies);
  return landingOf(callback.location);
}

/**
 * Login CSRF: the attacker starts a sign-in in their own browser, approves it on GitHub as
 * themselves, and sends the victim the callback URL. The victim's browser holds no state cookie
 * for it (or one from a sign-in of its own).
 */
export async function gitHubCallbackReplayedInVictimBrowser(serverUrl: string, victimCookies = ''): Promise<SignInOutcome> {
  const attackerStart = await redirectOf(`${serverUrl}/api/auth/github`);
  const approved = await redirectOf(attackerStart.location);
  const callback = await redirectOf(approved.location, victimCookies);
  return landingOf(callback.location);
}

/** The victim's own half-finished sign-in: their browser's state cookie, never sent to GitHub. */
export async function victimStateCookie(serverUrl: string): Promise<string> {
  return cookiesFrom((await redirectOf(`${serverUrl}/api/auth/github`)).response);
}

export interface FloodResult {
  statuses: number[];
  /** The first refusal: its status, body and Retry-After. */
  firstRefusal?: { index: number; status: number; body: unknown; retryAfter: string | null };
}

/** Sends `count` requests one after another (as fast as answers come) and records what came back. */
export async function flood(count: number, send: (index: number) => Promise<Response>): Promise<FloodResult> {
  const result: FloodResult = { statuses: [] };
  for (let index = 0; index < count; index += 1) {
    const response = await send(index);
    result.statuses.push(response.status);
    const body: unknown = await response.json().catch(() => null);
    if (response.status === 429 && !result.firstRefusal) {
      result.firstRefusal = { index, status: response.status, body, retryAfter: response.headers.get('retry-after') };
    }
  }
  return result;
}

/** Every row of every table as text: what a stolen backup (or a DB read by any means) reveals. */
export async function dumpDatabaseText(db: Database): Promise<string> {
  const tables = (await db.execute(sql.raw(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`))) as unknown as {
    rows: { table_name: string }[];
  };
  let text = '';
  for (const { table_name: table } of tables.rows) {
    const rows = (await db.execute(sql.raw(`SELECT t::text AS row FROM "${table}" t`))) as unknown as { rows: { row: string }[] };
    text += `${table}\n${rows.rows.map((row) => row.row).join('\n')}\n`;
  }
  return text;
}

/**
 * What a reverse proxy on the server's own machine adds for person `index` it forwards (the request
 * itself comes from loopback): X-Forwarded-For, Forwarded or X-Real-IP in turn, each person a TEST-NET
 * address. Without TANDEM_TRUST_PROXY the server cannot tell these people apart; loopback peers
 * were never counted, so nobody behind such a proxy was rate limited at all.
 */
export function forwardedByLocalProxy(index: number): Record<string, string> {
  const address = `203.0.113.${(index % 250) + 1}`;
  switch (index % 3) {
    case 0:
      return { 'x-forwarded-for': address };
    case 1:
      return { forwarded: `for=${address};proto=https` };
    default:
      return { 'x-real-ip': address };
  }
}
