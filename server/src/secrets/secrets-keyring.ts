import { deriveSecretKey, newMasterSecret, type SecretKey } from './secret-cipher.js';
import type { EnvironmentSecretsRepository } from '../db/repositories/environment-secrets.js';

/**
 * The keys secret values are sealed with. With TANDEM_SECRET_KEY the current key derives from it (and
 * nothing in the store can open a value on its own); TANDEM_SECRET_KEY_PREVIOUS names the one it
 * replaced, so values sealed under it still open until `npm run rotate-secrets-key` re-seals them.
 * Without it, masters are generated and kept in the store (private to the server user, like the
 * identity signing key). Every call reads the store, so a rotation on one node reaches every node.
 */
export interface SecretsKeyring {
  current(): Promise<SecretKey>;
  /** The key a stored value names; undefined when no master for it is known any more. */
  find(keyId: string): Promise<SecretKey | undefined>;
  /** A new current key (a new stored master; with TANDEM_SECRET_KEY, the one it names). */
  rotate(): Promise<SecretKey>;
  /** Forgets stored masters no value uses any more (after a rotation re-sealed everything). */
  forgetUnused(usedKeyIds: ReadonlySet<string>): Promise<number>;
}

export function createSecretsKeyring(deps: { masters: EnvironmentSecretsRepository['masters']; envMaster?: string; previousEnvMaster?: string }): SecretsKeyring {
  const envKey = deps.envMaster ? deriveSecretKey(deps.envMaster) : undefined;
  const previousEnvKey = deps.previousEnvMaster ? deriveSecretKey(deps.previousEnvMaster) : undefined;

  async function storedKeys(): Promise<Map<string, SecretKey>> {
    const keys = new Map<string, SecretKey>();
    for (const { id, master } of await deps.masters.list()) {
      const key = deriveSecretKey(master);
      // A row whose name does not match its master is not trusted as that key.
      if (key.id === id) keys.set(id, key);
    }
    return keys;
  }

  return {
    async current() {
      if (envKey) return envKey;
      let currentId = await deps.masters.currentId();
      if (!currentId) {
        const master = newMasterSecret();
        await deps.masters.addIfNoCurrent(deriveSecretKey(master).id, master);
        currentId = await deps.masters.currentId();
      }
      const key = currentId ? (await storedKeys()).get(currentId) : undefined;
      if (!key) throw new Error('the current secrets key is missing from the store; set TANDEM_SECRET_KEY or restore the store');
      return key;
    },
    async find(keyId) {
      if (envKey?.id === keyId) return envKey;
      if (previousEnvKey?.id === keyId) return previousEnvKey;
      return (await storedKeys()).get(keyId);
    },
    async rotate() {
      if (envKey) return envKey;
      const master = newMasterSecret();
      const key = deriveSecretKey(master);
      await deps.masters.add(key.id, master, true);
      return key;
    },
    async forgetUnused(usedKeyIds) {
      const currentId = envKey ? undefined : await deps.masters.currentId();
      let forgotten = 0;
      for (const id of (await storedKeys()).keys()) {
        if (id === currentId || usedKeyIds.has(id)) continue;
        await deps.masters.remove(id);
        forgotten += 1;
      }
      return forgotten;
    },
  };
}
