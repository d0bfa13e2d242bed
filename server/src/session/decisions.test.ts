import { describe, expect, it } from 'vitest';
import { decideCarriedMembers, decideSessionAccess } from './decisions.js';

describe('decideSessionAccess', () => {
  const session = { ownerId: 'u_owner' };

  it('grants the owner whatever links exist', () => {
    expect(decideSessionAccess({ session, userId: 'u_owner', membership: undefined })).toEqual({ kind: 'granted', role: 'owner', linkId: null });
  });

  it('grants a member the role of their live link', () => {
    expect(decideSessionAccess({ session, userId: 'u_bob', membership: { role: 'viewer', linkId: 'l_1' } })).toEqual({
      kind: 'granted',
      role: 'viewer',
      linkId: 'l_1',
    });
  });

  it('refuses a stranger and reports a missing session', () => {
    expect(decideSessionAccess({ session, userId: 'u_eve', membership: undefined }).kind).toBe('forbidden');
    expect(decideSessionAccess({ session: undefined, userId: 'u_owner', membership: undefined }).kind).toBe('not-found');
  });
});

describe('decideCarriedMembers', () => {
  const members = [
    { userId: 'u_bob', role: 'editor' as const },
    { userId: 'u_vic', role: 'viewer' as const },
  ];

  it('keeps every member’s role when the owner resumes', () => {
    expect(decideCarriedMembers({ previousOwnerId: 'u_ada', resumerId: 'u_ada', members })).toEqual(members);
  });

  it('an editor who resumes owns the new session; the previous owner stays in it as an editor', () => {
    expect(decideCarriedMembers({ previousOwnerId: 'u_ada', resumerId: 'u_bob', members })).toEqual([
      { userId: 'u_ada', role: 'editor' },
      { userId: 'u_vic', role: 'viewer' },
    ]);
  });
});
