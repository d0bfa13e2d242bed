import type { SessionRole, ShareRole } from '@tandem/shared/roles.js';

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

export interface CarriedMember {
  userId: string;
  role: ShareRole;
}

/**
 * Who keeps a role when a session resumes an ended one. The person who resumes owns the new session
 * (the rule resume has always had); everyone else who held a role keeps it: each member their link's
 * role, and the ended session's owner, when someone else resumed, an editor (the most a link gives).
 */
export function decideCarriedMembers(input: { previousOwnerId: string; resumerId: string; members: readonly CarriedMember[] }): CarriedMember[] {
  const carried = new Map<string, ShareRole>();
  if (input.previousOwnerId !== input.resumerId) carried.set(input.previousOwnerId, 'editor');
  for (const member of input.members) {
    if (member.userId === input.resumerId || carried.has(member.userId)) continue;
    carried.set(member.userId, member.role);
  }
  return [...carried].map(([userId, role]) => ({ userId, role }));
}
