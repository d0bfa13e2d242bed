import type { RunNodeParams } from '@tandem/shared/doc/run-schema.js';
import type { EditRunNodeBody } from '@tandem/shared/protocol/runs.js';
import { formatIssuePath } from './blueprint-file.js';
import { blueprintSchema, type Blueprint, type BlueprintNode } from './blueprint-schema.js';
import type { EngineState } from './decide-next.js';

/**
 * Pure: people editing the parameters of a step that has not run yet. Each kind has the parameters a
 * person may change (an agent step's goal, a fix step's rounds, a run step's command, a commit's
 * message); the edited blueprint is checked with the same schema as any other, so a bound (at most
 * MAX_FIX_ROUNDS rounds, fewer for a CI fix) holds whoever sets it.
 */

type EditableField = keyof EditRunNodeBody;

const EDITABLE: Partial<Record<BlueprintNode['kind'], EditableField>> = { agent: 'goal', fix: 'maxRounds', run: 'command', commit: 'message' };

const FIELD_WORDS: Record<EditableField, string> = { goal: 'goal', maxRounds: 'rounds', command: 'command', message: 'message' };

/** The parameters a person may edit on this step, with their values now (absent: none). */
export function editableParamsOf(spec: BlueprintNode): RunNodeParams | undefined {
  switch (spec.kind) {
    case 'agent':
      return { goal: spec.goal };
    case 'fix':
      return { maxRounds: spec.maxRounds };
    case 'run':
      return { command: spec.command };
    case 'commit':
      return { message: spec.message };
    default:
      return undefined;
  }
}

export type NodeEditDecision =
  /** `node` replaces the step at `index` of the run's blueprint; `changes` is empty when nothing changed. */
  | { kind: 'edited'; index: number; node: BlueprintNode; changes: string[] }
  | { kind: 'refused'; status: 400 | 404 | 409; reason: string };

const ENDED = new Set(['passed', 'stopped']);

const shown = (value: string | number) => (typeof value === 'number' ? String(value) : `“${value.length > 80 ? `${value.slice(0, 79)}…` : value}”`);

export function decideNodeEdit(blueprint: Blueprint, state: EngineState, nodeId: string, edit: EditRunNodeBody): NodeEditDecision {
  const index = blueprint.nodes.findIndex((node) => node.id === nodeId);
  const spec = blueprint.nodes[index];
  const node = state.nodes[index];
  if (!spec || !node) return { kind: 'refused', status: 404, reason: 'The run has no such step.' };
  if (ENDED.has(state.state)) return { kind: 'refused', status: 409, reason: `The run has ${state.state === 'passed' ? 'finished' : 'been stopped'}; start a new one to change its steps.` };
  if (node.attempt > 0 || node.status !== 'pending') {
    const where = node.status === 'running' ? 'is running' : node.status === 'waiting' ? 'is waiting for approval' : node.status === 'skipped' ? 'was skipped' : `has run already (${node.status})`;
    return { kind: 'refused', status: 409, reason: `“${spec.title}” ${where}; only steps that have not run yet can be edited.` };
  }
  const allowed = EDITABLE[spec.kind];
  const asked = Object.keys(edit) as EditableField[];
  const wrong = asked.filter((field) => field !== allowed);
  if (!allowed || wrong.length > 0) {
    return { kind: 'refused', status: 400, reason: allowed ? `A ${spec.kind} step's ${FIELD_WORDS[allowed]} can be edited, not its ${wrong.map((field) => FIELD_WORDS[field]).join(' or ')}.` : `A ${spec.kind} step has no parameters to edit.` };
  }
  const value = edit[allowed]!;
  const before = (spec as Record<string, unknown>)[allowed] as string | number;
  const edited = { ...spec, [allowed]: value } as BlueprintNode;
  const checked = blueprintSchema.safeParse({ ...blueprint, nodes: blueprint.nodes.map((candidate, at) => (at === index ? edited : candidate)) });
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    const where = formatIssuePath(issue.path.slice(2)) || FIELD_WORDS[allowed];
    return { kind: 'refused', status: 400, reason: `${where}: ${issue.message}` };
  }
  const changes = before === value ? [] : [`${FIELD_WORDS[allowed]} ${shown(value)} (was ${shown(before)})`];
  return { kind: 'edited', index, node: checked.data.nodes[index]!, changes };
}
