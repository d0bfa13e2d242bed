import { and, eq, gt, isNull } from 'drizzle-orm';
import type { Database } from '../database.js';
import { inviteCodes } from '../schema.js';

/** Why a code did not redeem: never made (or mistyped), already used, or past its time. */
export type InviteRedemption = { kind: 'redeemed'; inviteId: string } | { kind: 'unknown' } | { kind: 'used' } | { kind: 'expired' };

export function createInvitesRepository(db: Database) {
  return {
    async create(invite: { id: string; codeHash: string; expiresAt: Date }): Promise<void> {
      await db.insert(inviteCodes).values(invite);
    },

    /**
     * Claims a code for a user id in one conditional UPDATE, so of any number of simultaneous
     * redemptions exactly one wins.
     */
    async redeem(codeHash: string, userId: string, nowMs: number): Promise<InviteRedemption> {
      const now = new Date(nowMs);
      const [claimed] = await db
        .update(inviteCodes)
        .set({ redeemedAt: now, redeemedBy: userId })
        .where(and(eq(inviteCodes.codeHash, codeHash), isNull(inviteCodes.redeemedAt), gt(inviteCodes.expiresAt, now)))
        .returning({ id: inviteCodes.id });
      if (claimed) return { kind: 'redeemed', inviteId: claimed.id };
      const [existing] = await db.select().from(inviteCodes).where(eq(inviteCodes.codeHash, codeHash));
      if (!existing) return { kind: 'unknown' };
      return existing.redeemedAt ? { kind: 'used' } : { kind: 'expired' };
    },
  };
}
export type InvitesRepository = ReturnType<typeof createInvitesRepository>;
