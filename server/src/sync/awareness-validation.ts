import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { presenceStateSchema } from '@tandem/shared/protocol/presence.js';
import type { Identity } from '../auth/identity-token.js';

export type AwarenessCheck =
  | { ok: true; clientIds: number[]; update: Uint8Array | null }
  | { ok: false; reason: string };

/**
 * Filters and checks an awareness update before it is applied. The stock client relays every state
 * it knows, so entries for client ids that belong to another connection are dropped (they are echoes).
 * Every remaining state must be a valid presence state whose user is the connection's own signed
 * identity: nobody appears as someone else. `null` (a tab leaving) and `{}` (a tab that has not said
 * who it is yet) are allowed. Returns the update to apply (null when nothing is left).
 */
export function checkAwarenessUpdate(
  update: Uint8Array,
  identity: Identity,
  ownedByAnotherConnection: (clientId: number) => boolean,
): AwarenessCheck {
  const decoder = decoding.createDecoder(update);
  const count = decoding.readVarUint(decoder);
  const kept: { clientId: number; clock: number; json: string }[] = [];
  for (let index = 0; index < count; index += 1) {
    const clientId = decoding.readVarUint(decoder);
    const clock = decoding.readVarUint(decoder);
    const json = decoding.readVarString(decoder);
    if (ownedByAnotherConnection(clientId)) continue;
    const state: unknown = JSON.parse(json);
    if (state !== null && !isEmptyObject(state)) {
      const parsed = presenceStateSchema.safeParse(state);
      if (!parsed.success) return { ok: false, reason: 'presence state does not match the schema' };
      if (parsed.data.user.id !== identity.id || parsed.data.user.name !== identity.name) {
        return { ok: false, reason: 'presence must carry your own identity' };
      }
    }
    kept.push({ clientId, clock, json });
  }
  if (kept.length === 0) return { ok: true, clientIds: [], update: null };
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, kept.length);
  for (const entry of kept) {
    encoding.writeVarUint(encoder, entry.clientId);
    encoding.writeVarUint(encoder, entry.clock);
    encoding.writeVarString(encoder, entry.json);
  }
  return { ok: true, clientIds: kept.map((entry) => entry.clientId), update: encoding.toUint8Array(encoder) };
}

function isEmptyObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0;
}
