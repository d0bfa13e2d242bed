import type { EnvironmentSecretsRepository, SecretScope, StoredSecret } from '../db/repositories/environment-secrets.js';
import { openValue, sealValue, secretBinding } from './secret-cipher.js';
import type { SecretsKeyring } from './secrets-keyring.js';

/** A secret as lists show it: never its value. */
export interface SecretSummary {
  name: string;
  scope: SecretScope;
  updatedAt: number;
  updatedBy: string;
}

export interface SecretValue {
  name: string;
  scope: SecretScope;
  value: string;
}

export interface RotationReport {
  keyId: string;
  resealed: number;
  /** Values no known key opens (their master is gone): left as they are, listed by name. */
  unreadable: string[];
}

const repoOf = (scope: SecretScope, repo: string) => (scope === 'server' ? '' : repo);

/** Sealing, opening and re-sealing environment secrets over the store. */
export function createSecretsStore(deps: { repository: EnvironmentSecretsRepository; keyring: SecretsKeyring; logger: { error(message: string, error?: unknown): void } }) {
  async function open(row: StoredSecret): Promise<string | undefined> {
    const key = await deps.keyring.find(row.keyId);
    if (!key) return undefined;
    try {
      return openValue(key, row, secretBinding(row.scope, row.repo, row.name));
    } catch {
      return undefined;
    }
  }

  return {
    async list(repo: string): Promise<SecretSummary[]> {
      return (await deps.repository.listFor(repo)).map((row) => ({ name: row.name, scope: row.scope, updatedAt: row.updatedAt.getTime(), updatedBy: row.createdBy }));
    },
    async put(input: { scope: SecretScope; repo: string; name: string; value: string; by: string }): Promise<void> {
      const repo = repoOf(input.scope, input.repo);
      const sealed = sealValue(await deps.keyring.current(), input.value, secretBinding(input.scope, repo, input.name));
      await deps.repository.put({ scope: input.scope, repo, name: input.name, ...sealed, createdBy: input.by });
    },
    remove: (scope: SecretScope, repo: string, name: string) => deps.repository.remove(scope, repoOf(scope, repo), name),
    /** Every value a session of `repo` may be given; a repo's secret wins over a server one of the same name. */
    async valuesFor(repo: string): Promise<SecretValue[]> {
      const byName = new Map<string, SecretValue>();
      for (const row of await deps.repository.listFor(repo)) {
        const value = await open(row);
        if (value === undefined) {
          // Names only: the log must never hold a value.
          deps.logger.error(`secret ${row.name} (${row.scope}) could not be decrypted with any known key (key ${row.keyId}); it is left out`);
          continue;
        }
        if (row.scope === 'repo' || !byName.has(row.name)) byName.set(row.name, { name: row.name, scope: row.scope, value });
      }
      return [...byName.values()];
    },
    /** A new current key; every value re-sealed under it; stored masters nothing uses any more forgotten. */
    async rotate(): Promise<RotationReport> {
      const key = await deps.keyring.rotate();
      let resealed = 0;
      const unreadable: string[] = [];
      for (const row of await deps.repository.listAll()) {
        if (row.keyId === key.id) continue;
        const value = await open(row);
        if (value === undefined) {
          unreadable.push(`${row.scope === 'server' ? 'server' : row.repo}:${row.name}`);
          continue;
        }
        await deps.repository.reseal(row, sealValue(key, value, secretBinding(row.scope, row.repo, row.name)));
        resealed += 1;
      }
      const used = new Set((await deps.repository.listAll()).map((row) => row.keyId));
      await deps.keyring.forgetUnused(used);
      return { keyId: key.id, resealed, unreadable };
    },
  };
}
export type SecretsStore = ReturnType<typeof createSecretsStore>;
