import { eq } from 'drizzle-orm';
import type { Database } from '../database.js';
import { serverSecrets } from '../schema.js';

/** Returns the stored secret, creating it once; concurrent first starts agree on one value. */
export async function getOrCreateSecret(db: Database, name: string, generate: () => string): Promise<string> {
  await db.insert(serverSecrets).values({ name, value: generate() }).onConflictDoNothing();
  const [row] = await db.select().from(serverSecrets).where(eq(serverSecrets.name, name));
  if (!row) throw new Error(`secret ${name} could not be stored`);
  return row.value;
}

/** Replaces a stored secret (key rotation); every node re-reads it. */
export async function replaceSecret(db: Database, name: string, value: string): Promise<void> {
  await db.insert(serverSecrets).values({ name, value }).onConflictDoUpdate({ target: serverSecrets.name, set: { value } });
}

/** The stored secret, which must exist (getOrCreateSecret made it at start-up). */
export async function readSecret(db: Database, name: string): Promise<string> {
  const [row] = await db.select().from(serverSecrets).where(eq(serverSecrets.name, name));
  if (!row) throw new Error(`secret ${name} is missing from the store`);
  return row.value;
}
