import * as Y from 'yjs';
import type { DocOrigin } from './origins.js';
import { planArray, transcriptArray, type PlanStep, type TranscriptEntry } from './schema.js';

/** What a carried tool call that never finished in the ended session shows (and the agent is told). */
export const CARRIED_UNFINISHED_TOOL_OUTPUT = 'No result: the session ended before this tool call finished.';

/** The part of a session a resumed session carries on with. */
export interface SessionHistory {
  transcript: TranscriptEntry[];
  plan: PlanStep[];
}

function mapOf(record: Record<string, unknown>): Y.Map<unknown> {
  const map = new Y.Map<unknown>();
  for (const [key, value] of Object.entries(record)) {
    if (value !== undefined) map.set(key, value);
  }
  return map;
}

/**
 * An ended session's entries as they are carried: nothing streams or runs any more, so a text still
 * marked streaming is finished and a call still marked running ends with what it had printed.
 */
function settled(entry: TranscriptEntry): TranscriptEntry {
  switch (entry.kind) {
    case 'assistant-text':
      return { ...entry, streaming: false };
    case 'tool-call': {
      if (entry.status !== 'running' && entry.status !== 'pending') return entry;
      const { liveOutput, liveOutputCut: _cut, ...rest } = entry;
      const printed = liveOutput ? `${liveOutput}${liveOutput.endsWith('\n') ? '' : '\n'}` : '';
      return { ...rest, status: 'error', output: `${printed}${CARRIED_UNFINISHED_TOOL_OUTPUT}` };
    }
    case 'user-message':
    case 'system-notice':
      return entry;
    default:
      return entry satisfies never;
  }
}

/**
 * Writes an ended session's plan and transcript into a new session's doc, ahead of anything else, in
 * one transaction. Assistant texts become Y.Text again, as the agent writes them.
 */
export function carryHistory(doc: Y.Doc, history: SessionHistory, origin: DocOrigin): void {
  doc.transact(() => {
    planArray(doc).insert(
      0,
      history.plan.map((step) => mapOf(step)),
    );
    transcriptArray(doc).insert(
      0,
      history.transcript.map((original) => {
        const entry = settled(original);
        if (entry.kind !== 'assistant-text') return mapOf(entry);
        const map = mapOf({ ...entry, text: undefined });
        map.set('text', new Y.Text(entry.text));
        return map;
      }),
    );
  }, origin);
}
