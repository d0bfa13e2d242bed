import { useCallback, useEffect, useState } from 'react';
import type { WebsocketProvider } from 'y-websocket';
import { presenceStateSchema, type PresenceState } from '@tandem/shared/protocol/presence.js';

export interface Participant extends PresenceState {
  clientId: number;
  isSelf: boolean;
}

/** Everyone in the session now, one entry per person (several tabs of one person collapse). */
export function useParticipants(provider: WebsocketProvider): Participant[] {
  const read = useCallback((): Participant[] => {
    const byUser = new Map<string, Participant>();
    const selfId = provider.awareness.clientID;
    for (const [clientId, state] of provider.awareness.getStates()) {
      const parsed = presenceStateSchema.safeParse(state);
      if (!parsed.success) continue;
      const participant = { ...parsed.data, clientId, isSelf: clientId === selfId };
      const existing = byUser.get(participant.user.id);
      if (!existing || participant.isSelf) byUser.set(participant.user.id, participant);
    }
    return [...byUser.values()].sort((left, right) => Number(right.isSelf) - Number(left.isSelf) || left.user.name.localeCompare(right.user.name));
  }, [provider]);

  const [participants, setParticipants] = useState(read);
  useEffect(() => {
    const update = () => setParticipants(read());
    update();
    provider.awareness.on('change', update);
    return () => provider.awareness.off('change', update);
  }, [provider, read]);
  return participants;
}

/** Tells the others which panel this person is working in. */
export function setFocus(provider: WebsocketProvider, focus: PresenceState['focus']): void {
  const current = provider.awareness.getLocalState() as PresenceState | null;
  if (current && current.focus !== focus) provider.awareness.setLocalStateField('focus', focus);
}
