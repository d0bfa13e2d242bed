import { describe, expect, it } from 'vitest';
import { AGENT_RUN_STATES, SESSION_STATUSES } from '@tandem/shared/doc/schema.js';
import { shownSessionState, stateWord } from './state-words.js';

describe('state words', () => {
  it('the header and the agent bar say the same word for the same state', () => {
    for (const state of SESSION_STATUSES.filter((status) => (AGENT_RUN_STATES as readonly string[]).includes(status))) {
      expect(stateWord(state).word).toBe(stateWord(state as (typeof AGENT_RUN_STATES)[number]).word);
    }
    expect(stateWord('running').word).toBe('Working');
    expect(stateWord('idle').word).toBe('Ready');
  });

  it('an ended session reads "Ended" whatever its status says', () => {
    expect(stateWord(shownSessionState({ status: 'done', endedAt: 5 })).word).toBe('Ended');
    expect(stateWord(shownSessionState({ status: 'done', endedAt: null })).word).toBe('Finished');
  });

  it('every state has a word of its own', () => {
    const words = [...SESSION_STATUSES, ...AGENT_RUN_STATES, 'ended' as const].map((state) => stateWord(state).word);
    expect(words.every((word) => /^[A-Z][a-z]+$/.test(word))).toBe(true);
  });
});
