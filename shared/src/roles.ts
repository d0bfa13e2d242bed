import { z } from 'zod';

/** What a person may do in a session. `owner` created it; links grant `editor` or `viewer`. */
export const SHARE_ROLES = ['viewer', 'editor'] as const;
export const shareRoleSchema = z.enum(SHARE_ROLES);
export type ShareRole = z.infer<typeof shareRoleSchema>;

export const SESSION_ROLES = ['owner', ...SHARE_ROLES] as const;
export const sessionRoleSchema = z.enum(SESSION_ROLES);
export type SessionRole = z.infer<typeof sessionRoleSchema>;

/** Editors and the owner change the doc (chat, plan); viewers only watch. */
export function canEditSession(role: SessionRole): boolean {
  switch (role) {
    case 'owner':
    case 'editor':
      return true;
    case 'viewer':
      return false;
    default:
      return role satisfies never;
  }
}

export function canManageSharing(role: SessionRole): boolean {
  return role === 'owner';
}
