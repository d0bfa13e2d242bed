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
