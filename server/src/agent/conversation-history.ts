import type { MessageParam } from '@anthropic-ai/sdk/resources/messages/messages';
import type { PlanStep, ToolCallEntry, TranscriptEntry } from '@tandem/shared/doc/schema.js';
import type { TurnBlock } from '../model/stream-turn.js';
import { Conversation, toolResult } from './conversation.js';
import { capText, MAX_TOOL_RESULT_CHARS } from './tools/tool.js';

/** What a tool call whose run ended before it finished (a server restart mid-run) answers. */
export const UNFINISHED_TOOL_CALL_RESULT = 'No result: the run ended before this tool call finished.';
/** Most characters of a tool call's input shown when the doc kept too little of it to parse. */
const MAX_UNPARSABLE_INPUT_CHARS = 1_000;

/** The call's input as the model sent it, or (when the doc's copy was capped) a note with its start. */
function toolInput(entry: ToolCallEntry): Record<string, unknown> {
  if (entry.input.trim() === '') return {};
  try {
    const parsed: unknown = JSON.parse(entry.input);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // The transcript keeps a capped copy of a long input (a whole written file): not JSON any more.
  }
  return { input_cut: `The input was too long to keep; it began: ${entry.input.slice(0, MAX_UNPARSABLE_INPUT_CHARS)}` };
}

/** The tool result the model saw: the whole output from the store when the doc's copy was cut. */
function toolOutput(entry: ToolCallEntry, wholeOutputs: ReadonlyMap<string, string>): string {
  if (entry.status === 'pending' || entry.status === 'running') return UNFINISHED_TOOL_CALL_RESULT;
  const whole = wholeOutputs.get(entry.id);
  if (whole !== undefined) return capText(whole, MAX_TOOL_RESULT_CHARS).text || '(no output)';
  return entry.output || '(no output)';
}

/**
 * The session's conversation with the agent so far, rebuilt from the transcript the server wrote:
 * people's messages to the agent (chat between people stays out), the agent's words, and each tool
 * call with its result. A run's turns are grouped as the model produced them (each entry records
 * its turn; in older transcripts without one, a text after a tool call starts the next turn). `wholeOutputs` holds the store's whole output of calls whose doc copy
 * was cut. The result keeps the Messages API's rules (see message-rules.ts).
 */
export function conversationFromTranscript(entries: readonly TranscriptEntry[], wholeOutputs: ReadonlyMap<string, string> = new Map()): MessageParam[] {
  const conversation = new Conversation();
  let turn: TurnBlock[] = [];
  let turnKey: string | undefined;
  let results: ReturnType<typeof toolResult>[] = [];
  const endTurn = () => {
    turnKey = undefined;
    if (turn.length === 0) return;
    if (conversation.messages.length === 0) conversation.addUser([{ type: 'text', text: '[Earlier in this session]' }]);
    conversation.addAssistant(turn);
    conversation.addUser(results);
    turn = [];
    results = [];
  };
  const keyOf = (entry: { runId: string; turn?: number }) => (entry.turn === undefined ? undefined : `${entry.runId}:${entry.turn}`);
  // Entries written before turns were recorded have none: then only a text after a call starts a turn.
  const startsNewTurn = (entry: { runId: string; turn?: number }) => turnKey !== undefined && keyOf(entry) !== undefined && keyOf(entry) !== turnKey;
  for (const entry of entries) {
    switch (entry.kind) {
      case 'user-message':
        if (entry.delivery === 'chat') break;
        endTurn();
        conversation.addPeople([entry]);
        break;
      case 'assistant-text':
        if (!entry.text.trim()) break;
        if (startsNewTurn(entry) || (entry.turn === undefined && turn.some((block) => block.type === 'tool_use'))) endTurn();
        turnKey = keyOf(entry);
        turn.push({ type: 'text', text: entry.text });
        break;
      case 'tool-call': {
        if (startsNewTurn(entry)) endTurn();
        turnKey = keyOf(entry);
        const input = toolInput(entry);
        turn.push({ type: 'tool_use', id: entry.id, name: entry.name, input, inputJson: entry.input, complete: true });
        results.push(toolResult(entry.id, toolOutput(entry, wholeOutputs), entry.status !== 'done'));
        break;
      }
      case 'system-notice':
        break;
      default:
        entry satisfies never;
    }
  }
  endTurn();
  return conversation.messages;
}

/** Tool calls of the transcript whose doc output was cut, newest first: the store has their whole output. */
export function cutToolCallIds(entries: readonly TranscriptEntry[]): string[] {
  return entries.flatMap((entry) => (entry.kind === 'tool-call' && entry.outputTruncated ? [entry.id] : [])).reverse();
}

/** The shared plan as the agent is told it at the start of a run (people may have edited it since). */
export function describePlan(plan: readonly PlanStep[]): string | null {
  if (plan.length === 0) return null;
  const lines = plan.map((step) => `- [${step.status}] ${step.title} (id ${step.id})`);
  return `[The session's shared plan as it stands now; people may have edited it]\n${lines.join('\n')}`;
}

/** Cut tool outputs of earlier runs whose whole text is read back from the store (the newest; older ones are excerpted anyway). */
export const MAX_WHOLE_OUTPUTS_READ_FOR_HISTORY = 10;

/** The store's whole output of the newest earlier tool calls whose transcript copy was cut; where one cannot be read, the capped copy stands in. */
export async function readWholeOutputs(
  earlier: TranscriptEntry[],
  read: ((toolUseId: string) => Promise<string | undefined>) | undefined,
  logger: { error(message: string, error?: unknown): void },
): Promise<Map<string, string>> {
  const whole = new Map<string, string>();
  if (!read) return whole;
  const ids = cutToolCallIds(earlier).slice(0, MAX_WHOLE_OUTPUTS_READ_FOR_HISTORY);
  const outputs = await Promise.all(
    ids.map((id) =>
      read(id).catch((error: unknown) => {
        logger.error('could not read a stored tool output', error);
        return undefined;
      }),
    ),
  );
  ids.forEach((id, index) => {
    const output = outputs[index];
    if (output !== undefined) whole.set(id, output);
  });
  return whole;
}
