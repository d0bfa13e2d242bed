import type { DeclaredSecretPhases } from '@tandem/shared/protocol/secrets.js';
import { ENVIRONMENT_FILE_PATH, parseRepoEnvironment, readRepoEnvironment, type RepoEnvironment } from '../environment/repo-environment.js';
import { SandboxError, type Sandbox } from '../sandbox/provider.js';
import { decideSecretsForPhase } from './secret-phases.js';
import { SecretRedactor } from './secret-redactor.js';
import type { SandboxSecrets } from './secret-sandbox.js';
import type { SecretsStore, SecretValue } from './secrets-store.js';

export interface LiveSessionSecrets extends SandboxSecrets {
  /** Names the repo's config asks for that nobody has set. */
  missing: string[];
}

interface Attached {
  repo: string;
  sandbox: Sandbox;
  env: Record<string, string>;
  redactor: SecretRedactor;
  missing: string[];
  /** Every name the environment file asks for, in any phase. */
  asked: string[];
  /** What the environment file names per phase (the Secrets dialog says where each secret goes). */
  declared: DeclaredSecretPhases;
}

/** The repo's environment file as its snapshot has it (what the session started from), or null. */
async function readEnvironment(sandbox: Sandbox): Promise<RepoEnvironment | null> {
  try {
    const bytes = sandbox.readBaseFile ? await sandbox.readBaseFile(ENVIRONMENT_FILE_PATH) : await sandbox.readFile(ENVIRONMENT_FILE_PATH);
    return bytes ? parseRepoEnvironment(new TextDecoder().decode(bytes)).environment : null;
  } catch (error) {
    if (error instanceof SandboxError && error.code === 'not-found') return null;
    // An unusable file names no secrets: the default applies (the file's problem is reported where it is read for network and services).
    return null;
  }
}

/**
 * The secrets of each live session: what its commands and shells get in their environment, and the
 * redactor that knows every value they were given. Re-read when an owner sets or deletes a secret,
 * so new commands and shells see the change; the redactor keeps old values (a running shell has them).
 * `logRedactor` knows every value any session here was given, for the server's log.
 */
export function createSessionSecrets(deps: { store: SecretsStore; logRedactor: SecretRedactor; logger: { error(message: string, error?: unknown): void } }) {
  const attached = new Map<string, Attached>();
  /**
   * Each session's redactor, the one its doc, store rows, model requests and shells share. It outlives
   * the sandbox (an ended session's doc is still written to) and only ever learns values.
   */
  const redactors = new Map<string, SecretRedactor>();
  const redactorOf = (sessionId: string): SecretRedactor => {
    let redactor = redactors.get(sessionId);
    if (!redactor) {
      redactor = new SecretRedactor();
      redactors.set(sessionId, redactor);
    }
    return redactor;
  };

  async function load(entry: Attached): Promise<void> {
    const values = await deps.store.valuesFor(entry.repo);
    const environment = await readEnvironment(entry.sandbox);
    const choice = decideSecretsForPhase(environment, 'session', values.map((secret) => secret.name));
    const chosen = new Set(choice.names);
    const given: SecretValue[] = values.filter((secret) => chosen.has(secret.name));
    entry.env = Object.fromEntries(given.map((secret) => [secret.name, secret.value]));
    entry.missing = choice.missing;
    const declared = environment?.secrets;
    entry.asked = [...new Set([...(declared?.setup ?? []), ...(declared?.services ?? []), ...(declared?.session ?? [])])];
    entry.declared = { ...declared };
    // Every value of the repo is redacted, given or not: a value may reach the sandbox some other way (a file, a pasted line).
    entry.redactor.add(values);
    deps.logRedactor.add(values);
  }

  return {
    async attach(sessionId: string, repo: string, sandbox: Sandbox): Promise<LiveSessionSecrets> {
      const entry: Attached = { repo, sandbox, env: {}, redactor: redactorOf(sessionId), missing: [], asked: [], declared: {} };
      await load(entry);
      attached.set(sessionId, entry);
      return {
        env: () => entry.env,
        redactor: entry.redactor,
        get missing() {
          return entry.missing;
        },
      };
    },
    detach(sessionId: string): void {
      attached.delete(sessionId);
    },
    /** Knows every value any session or setup run here was given (the log's redactor). */
    serverRedactor: deps.logRedactor,
    /** The session's redactor: every value its repo's secrets ever had since this server saw the session start. */
    redactorFor: redactorOf,
    /** The names a live session's environment file asks for (none while its sandbox is not running). */
    askedFor(sessionId: string): string[] {
      return attached.get(sessionId)?.asked ?? [];
    },
    /** What a live session's environment file names per phase; null while its sandbox is not running. */
    declaredFor(sessionId: string): DeclaredSecretPhases | null {
      return attached.get(sessionId)?.declared ?? null;
    },
    /**
     * What a repo's setup script gets: only the secrets its environment file names for `setup` (none
     * by default), and a redactor for its output (the log and the failure notice quote it).
     */
    async forSetup(treeDir: string, repo: string): Promise<{ env: Record<string, string>; redactor: SecretRedactor }> {
      const values = await deps.store.valuesFor(repo);
      const redactor = new SecretRedactor(values);
      deps.logRedactor.add(values);
      const environment = await readRepoEnvironment(treeDir).catch(() => null);
      const chosen = new Set(decideSecretsForPhase(environment?.environment ?? null, 'setup', values.map((secret) => secret.name)).names);
      return { env: Object.fromEntries(values.filter((secret) => chosen.has(secret.name)).map((secret) => [secret.name, secret.value])), redactor };
    },
    /** What a repo's services get: the secrets its environment file names for `services` (none by default). */
    async forServices(repo: string, environment: RepoEnvironment | null): Promise<SandboxSecrets> {
      const values = await deps.store.valuesFor(repo);
      deps.logRedactor.add(values);
      const chosen = new Set(decideSecretsForPhase(environment, 'services', values.map((secret) => secret.name)).names);
      const env = Object.fromEntries(values.filter((secret) => chosen.has(secret.name)).map((secret) => [secret.name, secret.value]));
      return { env: () => env, redactor: new SecretRedactor(values) };
    },
    /** After a secret changed: live sessions of that repo (every one, for a server secret) re-read theirs. */
    async changed(scope: 'server' | 'repo', repo: string): Promise<void> {
      for (const [sessionId, entry] of attached) {
        if (scope === 'repo' && entry.repo !== repo) continue;
        await load(entry).catch((error: unknown) => deps.logger.error(`session ${sessionId}: could not re-read its secrets`, error));
      }
    },
  };
}
export type SessionSecrets = ReturnType<typeof createSessionSecrets>;
