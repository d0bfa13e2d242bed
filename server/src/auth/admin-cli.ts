import { z } from 'zod';
import type { ErrorResponse, NewInviteResponse, RotateKeyResponse } from '@tandem/shared/protocol/http.js';
import type { RotateSecretsKeyResponse } from '@tandem/shared/protocol/secrets.js';
import { DEFAULT_HOST, DEFAULT_PORT } from '../config.js';

/**
 * `npm run invite` / `npm run rotate-key` / `npm run rotate-secrets-key`: the admin API of a running server, from its shell.
 * TANDEM_ADMIN_TOKEN as the server has it; TANDEM_URL (default http://127.0.0.1:8787, or
 * TANDEM_PUBLIC_URL when set) says which server.
 */
const envSchema = z.object({
  TANDEM_ADMIN_TOKEN: z.string({ error: 'set TANDEM_ADMIN_TOKEN to the value the server runs with' }).min(1),
  TANDEM_URL: z.url().optional(),
  TANDEM_PUBLIC_URL: z.url().optional(),
});

const COMMANDS = ['invite', 'rotate-key', 'rotate-secrets-key'] as const;
type Command = (typeof COMMANDS)[number];

async function call<T>(baseUrl: string, adminToken: string, route: string): Promise<T> {
  const response = await fetch(`${baseUrl}/api/admin${route}`, { method: 'POST', headers: { authorization: `Bearer ${adminToken}` } }).catch((error: unknown) => {
    throw new Error(`no server answered at ${baseUrl} (${error instanceof Error ? error.message : String(error)}); set TANDEM_URL to its address`);
  });
  const body: unknown = await response.json().catch(() => null);
  if (!response.ok) throw new Error((body as ErrorResponse | null)?.error.message ?? `the server answered ${response.status}`);
  return body as T;
}

async function main(argv: string[]): Promise<void> {
  const command = argv[0] as Command | undefined;
  if (!command || !COMMANDS.includes(command)) throw new Error(`usage: admin-cli <${COMMANDS.join('|')}>`);
  const env = envSchema.safeParse(process.env);
  if (!env.success) throw new Error(env.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('\n'));
  const baseUrl = (env.data.TANDEM_URL ?? env.data.TANDEM_PUBLIC_URL ?? `http://${DEFAULT_HOST}:${DEFAULT_PORT}`).replace(/\/+$/, '');
  switch (command) {
    case 'invite': {
      const invite = await call<NewInviteResponse>(baseUrl, env.data.TANDEM_ADMIN_TOKEN, '/invites');
      const linkBase = (env.data.TANDEM_PUBLIC_URL ?? baseUrl).replace(/\/+$/, '');
      console.log(`Invite link (works once, until ${new Date(invite.expiresAt).toISOString()}):\n  ${linkBase}${invite.path}\nCode: ${invite.code}`);
      return;
    }
    case 'rotate-key': {
      const rotated = await call<RotateKeyResponse>(baseUrl, env.data.TANDEM_ADMIN_TOKEN, '/rotate-key');
      console.log(rotated.message);
      return;
    }
    case 'rotate-secrets-key': {
      const rotated = await call<RotateSecretsKeyResponse>(baseUrl, env.data.TANDEM_ADMIN_TOKEN, '/rotate-secrets-key');
      console.log(rotated.message);
      return;
    }
    default:
      return command satisfies never;
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(`[tandem admin] ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
