import type { RepoEnvironment } from '../environment/repo-environment.js';

/** Where a secret may go: the repo's setup script, its services, or the session's commands and shells. */
export type SecretPhase = 'setup' | 'services' | 'session';

export interface SecretChoice {
  /** Names given to the phase, in order. */
  names: string[];
  /** Names the repo's config asks for that no owner has set (shown, never fatal). */
  missing: string[];
}

/**
 * Which secrets a phase gets. The repo's `.tandem/environment.json` `secrets.<phase>` names them;
 * when it names nothing, a session gets every secret of the repo and the server, and setup and
 * services get none (a setup script is repo content that runs before anyone watches).
 */
export function decideSecretsForPhase(environment: Pick<RepoEnvironment, 'secrets'> | null, phase: SecretPhase, available: readonly string[]): SecretChoice {
  const declared = environment?.secrets?.[phase];
  if (declared === undefined) return { names: phase === 'session' ? [...available] : [], missing: [] };
  const known = new Set(available);
  return { names: declared.filter((name) => known.has(name)), missing: declared.filter((name) => !known.has(name)) };
}
