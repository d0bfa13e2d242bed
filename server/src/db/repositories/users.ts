import { eq } from 'drizzle-orm';
import type { Database } from '../database.js';
import { users } from '../schema.js';

export function createUsersRepository(db: Database) {
  return {
    async upsert(user: { id: string; name: string }): Promise<void> {
      await db.insert(users).values(user).onConflictDoUpdate({ target: users.id, set: { name: user.name } });
    },
    /** Creates the user unless they exist; returns the stored row (a returning person keeps the name they chose). */
    async ensure(user: { id: string; name: string }) {
      await db.insert(users).values(user).onConflictDoNothing();
      const [row] = await db.select().from(users).where(eq(users.id, user.id));
      if (!row) throw new Error(`user ${user.id} could not be stored`);
      return row;
    },
    async findById(id: string) {
      const [row] = await db.select().from(users).where(eq(users.id, id));
      return row;
    },
  };
}
export type UsersRepository = ReturnType<typeof createUsersRepository>;
