import { randomBytes } from 'node:crypto';
import { appendTranscriptEntry, readPlan, readTranscript } from '@tandem/shared/doc/accessors.js';
import { Origin } from '@tandem/shared/doc/origins.js';
import { carryHistory } from '@tandem/shared/doc/session-history.js';
import type { ShareRole } from '@tandem/shared/roles.js';
import type { Identity } from '../auth/identity-token.js';
import { hashSecret, newBearerSecret } from '../auth/secret-hash.js';
import type { SessionsRepository } from '../db/repositories/sessions.js';
import type { ShareLinksRepository } from '../db/repositories/share-links.js';
import type { ToolOutputsRepository } from '../db/repositories/tool-outputs.js';
import type { DocHost } from '../sync/doc-host.js';
import { decideCarriedMembers } from './decisions.js';

export interface ResumeCarryDeps {
  sessions: SessionsRepository;
  shareLinks: ShareLinksRepository;
  docHost: DocHost;
  /** Whole tool outputs; without it the carried transcript keeps only its capped copies. */
  toolOutputs?: Pick<ToolOutputsRepository, 'copySession'>;
  nowMs: () => number;
}

/**
 * What a resumed session takes from the ended one: its people (with their roles), its plan and its
 * conversation (the agent rebuilds its memory from the transcript, so it remembers too), and the
 * whole outputs of its tool calls.
 */
export function createResumeCarry(deps: ResumeCarryDeps) {
  /** One link per role holds the carried members, so the new owner can revoke them like any access. */
  async function carryMembers(fromSessionId: string, toSessionId: string, previousOwnerId: string, resumer: Identity): Promise<void> {
    const carried = decideCarriedMembers({ previousOwnerId, resumerId: resumer.id, members: await deps.sessions.listLiveMembers(fromSessionId) });
    const roles = new Set<ShareRole>(carried.map((member) => member.role));
    for (const role of roles) {
      const people = carried.filter((member) => member.role === role);
      const link = await deps.shareLinks.create({
        id: `l_${randomBytes(9).toString('base64url')}`,
        sessionId: toSessionId,
        role,
        // A token nobody is given: this link only holds the people carried over.
        tokenHash: hashSecret(newBearerSecret()),
        createdBy: resumer.id,
        carriedFromSessionId: fromSessionId,
      });
      for (const person of people) await deps.shareLinks.addMember({ sessionId: toSessionId, userId: person.userId, linkId: link.id });
      await deps.shareLinks.countJoin(link.id, people.length);
    }
  }

  return {
    async carry(from: { id: string; title: string; ownerId: string }, toSessionId: string, resumer: Identity): Promise<void> {
      await carryMembers(from.id, toSessionId, from.ownerId, resumer);
      await deps.toolOutputs?.copySession(from.id, toSessionId);
      const history = await deps.docHost.read(from.id, (doc) => ({ transcript: readTranscript(doc), plan: readPlan(doc) }));
      await deps.docHost.change(toSessionId, (doc) => {
        carryHistory(doc, history, Origin.agent);
        appendTranscriptEntry(
          doc,
          {
            kind: 'system-notice',
            id: `n_${randomBytes(9).toString('base64url')}`,
            text: `Resumed from “${from.title}”: its plan, conversation and people carried over. The agent remembers the conversation.`,
            level: 'info',
            createdAt: deps.nowMs(),
          },
          Origin.agent,
        );
      });
    },
  };
}
