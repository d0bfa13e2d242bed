import { stateWord, type ShownState } from '../lib/state-words.js';

/** A session's or agent's state in the shared words and colours (see lib/state-words.ts). */
export function StateChip({ state, testId }: { state: ShownState; testId?: string }) {
  const { word, tone } = stateWord(state);
  return (
    <span className={`chip state-chip tone-${tone}`} data-testid={testId} data-state={state}>
      {word}
    </span>
  );
}
