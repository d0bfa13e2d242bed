import { z } from 'zod';

/** Wire types of environment secrets: set by owners, given to sandboxes, never sent back. */

/** An environment variable name: what the sandbox's processes see the secret as. */
export const SECRET_NAME_PATTERN = /^[A-Z_][A-Z0-9_]*$/;
export const MAX_SECRET_NAME_CHARS = 128;
/** Largest value, in bytes (UTF-8): tokens and keys, not files. */
export const MAX_SECRET_VALUE_BYTES = 16 * 1024;
/** Shortest value: redaction replaces every occurrence, and a two-letter value would eat ordinary output. */
export const MIN_SECRET_VALUE_CHARS = 6;
/**
 * Names the sandbox or the server itself sets, or that change how programs start (a secret named
 * BASH_ENV or LD_PRELOAD would run code in every process): refused as secret names.
 */
export const RESERVED_SECRET_NAMES: readonly string[] = ['PATH', 'HOME', 'USER', 'LANG', 'TERM', 'COLORTERM', 'SHELL', 'PWD', 'OLDPWD', 'SHLVL', 'IFS', 'ENV', 'BASH_ENV', 'PS4', 'SHELLOPTS', 'BASHOPTS', 'HOSTNAME', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'ALL_PROXY'];
const RESERVED_PREFIXES = ['LD_', 'TANDEM_', 'BASH_FUNC_'];

export const secretScopeSchema = z.enum(['repo', 'server']);
export type SecretScope = z.infer<typeof secretScopeSchema>;

export const secretNameSchema = z
  .string()
  .max(MAX_SECRET_NAME_CHARS, `a secret name has at most ${MAX_SECRET_NAME_CHARS} characters`)
  .regex(SECRET_NAME_PATTERN, 'a secret name is an environment variable name: capital letters, digits and _, not starting with a digit (e.g. NPM_TOKEN)')
  .refine((name) => !RESERVED_SECRET_NAMES.includes(name) && !RESERVED_PREFIXES.some((prefix) => name.startsWith(prefix)), {
    message: `this name is set by the sandbox or changes how programs start; pick another (reserved: ${RESERVED_SECRET_NAMES.join(', ')}, and names starting ${RESERVED_PREFIXES.join(', ')})`,
  });

/** A string's length in UTF-8 bytes, without TextEncoder (shared code has neither DOM nor Node APIs). */
export function utf8ByteLength(value: string): number {
  let bytes = 0;
  for (const character of value) {
    const code = character.codePointAt(0)!;
    bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
  }
  return bytes;
}

export const putSecretBodySchema = z.strictObject({
  value: z
    .string()
    .min(MIN_SECRET_VALUE_CHARS, `a secret value has at least ${MIN_SECRET_VALUE_CHARS} characters`)
    .refine((value) => utf8ByteLength(value) <= MAX_SECRET_VALUE_BYTES, { message: `a secret value has at most ${MAX_SECRET_VALUE_BYTES} bytes` })
    .refine((value) => !value.includes('\u0000'), { message: 'a secret value cannot hold a NUL character (an environment variable cannot)' }),
  scope: secretScopeSchema.default('repo'),
});
export type PutSecretBody = z.input<typeof putSecretBodySchema>;

export interface SecretSummary {
  name: string;
  scope: SecretScope;
  updatedAt: number;
  /** Id of who set it last. */
  updatedBy: string;
}

/** Where a secret may go: the repo's setup script, its services, or the session's commands and shells. */
export const SECRET_PHASES = ['setup', 'services', 'session'] as const;
export type SecretPhase = (typeof SECRET_PHASES)[number];
/** What the repo's `.tandem/environment.json` names under `secrets`, per phase (a phase it does not name is absent). */
export type DeclaredSecretPhases = Partial<Record<SecretPhase, string[]>>;

/**
 * The phases a secret called `name` reaches, by the rule the server gives secrets with
 * (decideSecretsForPhase): a phase the environment file names gets only the names it lists; a phase
 * it does not name gets nothing, except the session, which then gets every secret.
 */
export function phasesOfSecret(name: string, declared: DeclaredSecretPhases): SecretPhase[] {
  return SECRET_PHASES.filter((phase) => {
    const listed = declared[phase];
    return listed === undefined ? phase === 'session' : listed.includes(name);
  });
}

/**
 * Phases whose code anyone who can edit a session can change, so whose secrets they can read: the
 * session's own shells and commands, and the services (an editor edits a service's script and presses
 * Restart). Only setup runs before anyone can change anything.
 */
export const EDITOR_READABLE_PHASES: readonly SecretPhase[] = ['services', 'session'];

export interface SecretListResponse {
  /** The repo the session runs (repo secrets belong to it). */
  repo: string;
  secrets: SecretSummary[];
  /** Whether the caller may add, replace and delete the repo's secrets (the session owner). */
  canManage: boolean;
  /**
   * Names the repo's `.tandem/environment.json` asks for (for setup, services or sessions) that no
   * secret here has: what an owner still has to set. Read from the running sandbox's snapshot, so
   * empty while it starts.
   */
  asked: string[];
  /**
   * What the running sandbox's `.tandem/environment.json` names per phase (phasesOfSecret tells where
   * each secret goes); null while the sandbox is not running.
   */
  phases: DeclaredSecretPhases | null;
}

export interface RotateSecretsKeyResponse {
  keyId: string;
  resealed: number;
  unreadable: string[];
  message: string;
}

/** The header an admin adds to a session call to set or delete a server-wide secret. */
export const ADMIN_TOKEN_HEADER = 'x-tandem-admin-token';
