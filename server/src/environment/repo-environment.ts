import { createHash } from 'node:crypto';
import { z } from 'zod';
import { SandboxError } from '../sandbox/provider.js';
import { readTreeFile } from '../sandbox/local/host-files.js';

/**
 * A repo's `.tandem/environment.json`: the hosts its setup and sessions may reach, the services its
 * sandbox starts, and which secrets each phase gets. The repo is hostile, so the file is read without
 * following links, bounded in size, and validated strictly (an unknown key is an error, not ignored:
 * a typo must not silently drop a rule).
 */

export const ENVIRONMENT_FILE_PATH = '.tandem/environment.json';
/** Bigger files are refused: a real environment file is a few hundred bytes. */
export const MAX_ENVIRONMENT_FILE_BYTES = 64 * 1024;
export const MAX_HOST_PATTERNS = 200;
export const MAX_SERVICES = 20;
export const MAX_SECRET_NAMES = 100;
export const MAX_COMMAND_LENGTH = 4096;

const HOST_LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
/** `registry.npmjs.org`, `*.example.com`, either with an optional `:port`; names only, never IP literals. */
export const HOST_PATTERN_REGEX = new RegExp(`^(?:\\*\\.)?${HOST_LABEL}(?:\\.${HOST_LABEL})*(?::(\\d{1,5}))?$`);

export const hostPatternSchema = z
  .string()
  .max(260)
  .transform((value) => value.trim().toLowerCase())
  .refine((value) => HOST_PATTERN_REGEX.test(value), {
    message: 'expected a host name such as "registry.npmjs.org" or "*.example.com", optionally with ":port"',
  })
  .refine((value) => !/^(?:\*\.)?[\d.]+(?::\d+)?$/.test(value), { message: 'IP addresses are not host patterns; name the host' })
  .refine(
    (value) => {
      const port = HOST_PATTERN_REGEX.exec(value)?.[1];
      return port === undefined || (Number(port) >= 1 && Number(port) <= 65_535);
    },
    { message: 'port must be between 1 and 65535' },
  );

export const serviceNameSchema = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'expected a short name of lowercase letters, digits, "-" or "_"');
export const secretNameSchema = z.string().regex(/^[A-Z_][A-Z0-9_]{0,127}$/, 'expected an environment variable name such as "NPM_TOKEN"');
const environmentVariableNameSchema = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'expected an environment variable name');
const commandSchema = z.string().min(1, 'must not be empty').max(MAX_COMMAND_LENGTH);

export const serviceReadySchema = z.union([
  z.strictObject({ port: z.number().int().min(1).max(65_535) }),
  z.strictObject({ command: commandSchema }),
]);

export const serviceSchema = z.strictObject({
  name: serviceNameSchema,
  command: commandSchema,
  ready: serviceReadySchema,
  env: z.record(environmentVariableNameSchema, z.string().max(MAX_COMMAND_LENGTH)).optional(),
});

const hostListSchema = z.array(hostPatternSchema).max(MAX_HOST_PATTERNS);
const secretListSchema = z.array(secretNameSchema).max(MAX_SECRET_NAMES);

export const repoEnvironmentSchema = z.strictObject({
  network: z.strictObject({ setup: hostListSchema.optional(), session: hostListSchema.optional() }).optional(),
  services: z
    .array(serviceSchema)
    .max(MAX_SERVICES)
    .refine((services) => new Set(services.map((service) => service.name)).size === services.length, { message: 'service names must be unique' })
    .optional(),
  secrets: z.strictObject({ setup: secretListSchema.optional(), services: secretListSchema.optional(), session: secretListSchema.optional() }).optional(),
});

export type RepoEnvironment = z.infer<typeof repoEnvironmentSchema>;
export type ServiceDeclaration = z.infer<typeof serviceSchema>;
export type ServiceReady = z.infer<typeof serviceReadySchema>;
/**
 * What the supervisor runs: a declared service, or (from another tool's file, never this one's
 * schema) a one-shot step that runs to its end before the long-running services start.
 */
export type SupervisedService = ServiceDeclaration & { once?: boolean };

/** What a repo declares, with the exact text it came from and that text's hash (what an owner approves). */
export interface RepoEnvironmentFile {
  environment: RepoEnvironment;
  text: string;
  /** sha256 of the file's text (UTF-8), hex. */
  hash: string;
}

export class RepoEnvironmentError extends Error {
  constructor(
    message: string,
    /** Where in the file, e.g. "services[0].ready" ('' for the file as a whole). */
    readonly at: string,
  ) {
    super(message);
  }
}

export const environmentContentHash = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

function issuePath(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>((shown, part) => (typeof part === 'number' ? `${shown}[${part}]` : shown ? `${shown}.${String(part)}` : String(part)), '');
}

/** Parses the file's text; throws RepoEnvironmentError naming the file, where in it and what is wrong. */
export function parseRepoEnvironment(text: string): RepoEnvironmentFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new RepoEnvironmentError(`${ENVIRONMENT_FILE_PATH} is not valid JSON: ${(error as Error).message}`, '');
  }
  const parsed = repoEnvironmentSchema.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0]!;
    const at = issuePath(first.path);
    const more = parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more problem${parsed.error.issues.length > 2 ? 's' : ''})` : '';
    throw new RepoEnvironmentError(`${ENVIRONMENT_FILE_PATH}${at ? ` at ${at}` : ''}: ${first.message}${more}`, at);
  }
  return { environment: parsed.data, text, hash: environmentContentHash(text) };
}

/**
 * Reads a tree's environment file without following links (a link at `.tandem` or the file is an
 * error, never followed). Null when the repo has none; RepoEnvironmentError when it is unusable.
 */
export async function readRepoEnvironment(treeDir: string): Promise<RepoEnvironmentFile | null> {
  let bytes: Uint8Array;
  try {
    bytes = await readTreeFile(treeDir, ENVIRONMENT_FILE_PATH, { maxBytes: MAX_ENVIRONMENT_FILE_BYTES });
  } catch (error) {
    if (error instanceof SandboxError) {
      if (error.code === 'not-found') return null;
      throw new RepoEnvironmentError(`${ENVIRONMENT_FILE_PATH} can't be read: ${error.message}`, '');
    }
    throw error;
  }
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  return parseRepoEnvironment(text);
}
