import type { SessionRole, ShareRole } from '../../../shared/src/roles.js';

export type SessionAccessDecision =
  | { kind: 'granted'; role: SessionRole; linkId: string | null }
  | { kind: 'not-found' }
  | { kind: 'forbidden' };

/**
 * Who may open a session: its owner always; anyone else only through a share link that is still live.
 * Pure, so every HTTP route and every /sync connection decides the same way.
 */
export function decideSessionAccess(input: {
  session: { ownerId: string } | undefined;
  userId: string;
  membership: { role: ShareRole; linkId: string } | undefined;
}): SessionAccessDecision {
  if (!input.session) return { kind: 'not-found' };
  if (input.session.ownerId === input.userId) return { kind: 'granted', role: 'owner', linkId: null };
  if (input.membership) return { kind: 'granted', role: input.membership.role, linkId: input.membership.linkId };
  return { kind: 'forbidden' };
}
