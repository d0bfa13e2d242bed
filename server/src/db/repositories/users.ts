import { eq } from 'drizzle-orm';
import type { Database } from '../database.js';
import { users } from '../schema.js';

export function createUsersRepository(db: Database) {
  return {
    async upsert(user: { id: string; name: string }): Promise<void> {
      await db.insert(users).values(user).onConflictDoUpdate({ target: users.id, set: { name: user.name } });
    },
    async findById(id: string) {
      const [row] = await db.select().from(users).where(eq(users.id, id));
      return row;
    },
  };
}
export type UsersRepository = ReturnType<typeof createUsersRepository>;
