import { randomBytes } from 'node:crypto';
import { and, eq, like, or } from 'drizzle-orm';
import type { Database } from '../database.js';
import { environmentSecrets, serverSecrets } from '../schema.js';

export type SecretScope = 'server' | 'repo';

export interface StoredSecret {
  scope: SecretScope;
  /** '' for a server-wide secret. */
  repo: string;
  name: string;
  nonce: Uint8Array;
  ciphertext: Uint8Array;
  keyId: string;
  createdBy: string;
  updatedAt: Date;
}

/** server_secrets rows holding master secrets of the secrets key ring (only when TANDEM_SECRET_KEY is not set). */
const MASTER_ROW_PREFIX = 'environment-secrets-key:';
const CURRENT_KEY_ROW = 'environment-secrets-key-current';

/** Encrypted environment secrets, and the stored masters their keys derive from. */
export function createEnvironmentSecretsRepository(db: Database) {
  const columns = {
    scope: environmentSecrets.scope,
    repo: environmentSecrets.repo,
    name: environmentSecrets.name,
    nonce: environmentSecrets.nonce,
    ciphertext: environmentSecrets.ciphertext,
    keyId: environmentSecrets.keyId,
    createdBy: environmentSecrets.createdBy,
    updatedAt: environmentSecrets.updatedAt,
  };
  return {
    /** The server's secrets and the repo's, server ones first. */
    async listFor(repo: string): Promise<StoredSecret[]> {
      const rows = await db
        .select(columns)
        .from(environmentSecrets)
        .where(or(eq(environmentSecrets.scope, 'server'), and(eq(environmentSecrets.scope, 'repo'), eq(environmentSecrets.repo, repo))));
      return rows.sort((a, b) => (a.scope === b.scope ? a.name.localeCompare(b.name) : a.scope === 'server' ? -1 : 1));
    },
    async listAll(): Promise<StoredSecret[]> {
      return db.select(columns).from(environmentSecrets);
    },
    async put(secret: Omit<StoredSecret, 'updatedAt'>): Promise<void> {
      const now = new Date();
      await db
        .insert(environmentSecrets)
        .values({ id: `sec_${randomBytes(9).toString('base64url')}`, ...secret, updatedAt: now })
        .onConflictDoUpdate({
          target: [environmentSecrets.scope, environmentSecrets.repo, environmentSecrets.name],
          set: { nonce: secret.nonce, ciphertext: secret.ciphertext, keyId: secret.keyId, createdBy: secret.createdBy, updatedAt: now },
        });
    },
    /** Re-encryption (key rotation): only the sealed value and its key id change, and only if the row still holds what was read. */
    async reseal(secret: Pick<StoredSecret, 'scope' | 'repo' | 'name' | 'keyId'>, sealed: Pick<StoredSecret, 'nonce' | 'ciphertext' | 'keyId'>): Promise<void> {
      await db
        .update(environmentSecrets)
        .set({ nonce: sealed.nonce, ciphertext: sealed.ciphertext, keyId: sealed.keyId })
        .where(
          and(
            eq(environmentSecrets.scope, secret.scope),
            eq(environmentSecrets.repo, secret.repo),
            eq(environmentSecrets.name, secret.name),
            eq(environmentSecrets.keyId, secret.keyId),
          ),
        );
    },
    async remove(scope: SecretScope, repo: string, name: string): Promise<boolean> {
      const removed = await db
        .delete(environmentSecrets)
        .where(and(eq(environmentSecrets.scope, scope), eq(environmentSecrets.repo, repo), eq(environmentSecrets.name, name)))
        .returning({ name: environmentSecrets.name });
      return removed.length > 0;
    },
    masters: {
      async list(): Promise<Array<{ id: string; master: string }>> {
        const rows = await db.select().from(serverSecrets).where(like(serverSecrets.name, `${MASTER_ROW_PREFIX}%`));
        return rows.map((row) => ({ id: row.name.slice(MASTER_ROW_PREFIX.length), master: row.value }));
      },
      async currentId(): Promise<string | undefined> {
        const [row] = await db.select().from(serverSecrets).where(eq(serverSecrets.name, CURRENT_KEY_ROW));
        return row?.value;
      },
      /** Adds a master; with `makeCurrent`, new values are sealed under it from now on. */
      async add(id: string, master: string, makeCurrent: boolean): Promise<void> {
        await db.insert(serverSecrets).values({ name: `${MASTER_ROW_PREFIX}${id}`, value: master }).onConflictDoNothing();
        if (makeCurrent) await db.insert(serverSecrets).values({ name: CURRENT_KEY_ROW, value: id }).onConflictDoUpdate({ target: serverSecrets.name, set: { value: id } });
      },
      /** First start: a current key unless one exists (concurrent first starts agree on one). */
      async addIfNoCurrent(id: string, master: string): Promise<void> {
        await db.insert(serverSecrets).values({ name: `${MASTER_ROW_PREFIX}${id}`, value: master }).onConflictDoNothing();
        await db.insert(serverSecrets).values({ name: CURRENT_KEY_ROW, value: id }).onConflictDoNothing();
      },
      async remove(id: string): Promise<void> {
        await db.delete(serverSecrets).where(eq(serverSecrets.name, `${MASTER_ROW_PREFIX}${id}`));
      },
    },
  };
}
export type EnvironmentSecretsRepository = ReturnType<typeof createEnvironmentSecretsRepository>;
