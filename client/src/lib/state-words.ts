import type { AgentRunState, SessionStatus } from '@tandem/shared/doc/schema.js';

/**
 * The one set of words for what a session or its agent is doing, used by the header, the agent bar
 * and the session list alike, with a tone for colour. A session the owner ended is "Ended", whatever
 * its agent last did.
 */
export type StateTone = 'idle' | 'active' | 'done' | 'failed' | 'stopped' | 'ended';
export type ShownState = SessionStatus | AgentRunState | 'ended';

const STATE_WORDS: Record<ShownState, { word: string; tone: StateTone }> = {
  idle: { word: 'Ready', tone: 'idle' },
  starting: { word: 'Starting', tone: 'active' },
  running: { word: 'Working', tone: 'active' },
  retrying: { word: 'Retrying', tone: 'active' },
  waiting: { word: 'Waiting', tone: 'active' },
  stopping: { word: 'Stopping', tone: 'active' },
  done: { word: 'Finished', tone: 'done' },
  failed: { word: 'Failed', tone: 'failed' },
  stopped: { word: 'Stopped', tone: 'stopped' },
  ended: { word: 'Ended', tone: 'ended' },
};

export function stateWord(state: ShownState): { word: string; tone: StateTone } {
  return STATE_WORDS[state];
}

/** A session's state as the header and the session list show it: ended, or what its status says. */
export function shownSessionState(session: { status: SessionStatus; endedAt?: number | null }): ShownState {
  return session.endedAt ? 'ended' : session.status;
}
