import { writeMeta } from '@tandem/shared/doc/accessors.js';
import { Origin } from '@tandem/shared/doc/origins.js';
import { DEFAULT_MAX_LIVE_SANDBOXES_PER_PERSON, DEFAULT_MAX_LIVE_SANDBOXES_PER_SERVER } from '@tandem/shared/limits.js';
import type { DocHost } from '../sync/doc-host.js';

/** How many sandboxes may run at once: per person (a session's owner) and on this server. */
export interface SandboxCaps {
  perPerson: number;
  perServer: number;
}

export const DEFAULT_SANDBOX_CAPS: SandboxCaps = {
  perPerson: DEFAULT_MAX_LIVE_SANDBOXES_PER_PERSON,
  perServer: DEFAULT_MAX_LIVE_SANDBOXES_PER_SERVER,
};

export type SandboxAdmission = { kind: 'admitted' } | { kind: 'refused'; cap: keyof SandboxCaps; message: string };

/** A sandbox counts against its session's owner, whoever opened the session. */
export function decideSandboxAdmission(input: { ownerId: string; liveOwnerIds: readonly string[]; caps: SandboxCaps }): SandboxAdmission {
  const { caps } = input;
  if (input.liveOwnerIds.length >= caps.perServer) {
    return {
      kind: 'refused',
      cap: 'perServer',
      message: `This server already runs ${caps.perServer} sandboxes, its limit. Try again when a session ends, or ask the server's admin to raise TANDEM_MAX_LIVE_SANDBOXES.`,
    };
  }
  const ownersLive = input.liveOwnerIds.filter((ownerId) => ownerId === input.ownerId).length;
  if (ownersLive >= caps.perPerson) {
    return {
      kind: 'refused',
      cap: 'perPerson',
      message: `This session's owner already runs ${ownersLive} sandboxes, the most one person may. End one of those sessions (End session), then press Try again.`,
    };
  }
  return { kind: 'admitted' };
}

const MAX_CACHED_OWNERS = 10_000;

/** A sandbox was not started because a cap is reached; the message says which and what to do. */
export class SandboxCapError extends Error {}

/**
 * Checks the caps before a session's sandbox boots; a refusal is written to the doc (every viewer sees
 * why) and thrown. `otherLiveSessionIds` are the sessions running or starting a sandbox now.
 */
export function createSandboxAdmission(deps: { caps: SandboxCaps; ownerOf: (sessionId: string) => Promise<string | undefined>; docHost: DocHost }) {
  // An owner never changes, so each session is looked up once (the cache is dropped when it grows large).
  const owners = new Map<string, Promise<string | undefined>>();
  const ownerOf = (sessionId: string) => {
    let owner = owners.get(sessionId);
    if (!owner) {
      if (owners.size >= MAX_CACHED_OWNERS) owners.clear();
      owner = deps.ownerOf(sessionId);
      owners.set(sessionId, owner);
      owner.catch(() => owners.delete(sessionId));
    }
    return owner;
  };

  return async function admit(sessionId: string, otherLiveSessionIds: readonly string[]): Promise<void> {
    const [ownerId, ...liveOwnerIds] = await Promise.all([sessionId, ...otherLiveSessionIds].map(ownerOf));
    const decision = decideSandboxAdmission({
      ownerId: ownerId ?? '',
      liveOwnerIds: liveOwnerIds.map((owner) => owner ?? ''),
      caps: deps.caps,
    });
    switch (decision.kind) {
      case 'admitted':
        return;
      case 'refused':
        // The session page shows the sandbox message; a notice per reload would flood the transcript.
        await deps.docHost.change(sessionId, (doc) => writeMeta(doc, { sandboxState: 'failed', sandboxMessage: decision.message }, Origin.sandbox));
        throw new SandboxCapError(decision.message);
      default:
        return decision satisfies never;
    }
  };
}
export type SandboxAdmit = ReturnType<typeof createSandboxAdmission>;
