import { z } from 'zod';
import { checkFailureSchema, RUN_NODE_STATUSES, RUN_STATES, runViewSchema, type RunView } from '@tandem/shared/doc/run-schema.js';
import { blueprintSchema, type Blueprint } from './blueprint-schema.js';
import type { CommitBase, CommitPerson } from './commit-step.js';
import type { EngineState } from './decide-next.js';

/**
 * Everything a blueprint run needs to go on after the server restarts, as it is stored (one row per
 * run, written on every change of state): its own copy of the blueprint (people may have edited its
 * steps), the engine's state, what the executor learned per node, and who steered it. Read back
 * through zod: a row is data from disk, and a newer server may have added fields an older one lacks.
 */

export interface NodeRecord {
  startedAt?: number;
  durationMs?: number;
  excerpt?: string;
}

export interface RunRecord {
  id: string;
  sessionId: string;
  repo: string;
  blueprint: Blueprint;
  goal: string;
  startedBy: CommitPerson;
  startedAt: number;
  /** The session's address, for the PR body. */
  sessionUrl: string;
  engine: EngineState;
  nodeRecords: Record<string, NodeRecord>;
  actors: CommitPerson[];
  commit?: RunView['commit'];
  /** Where the session started, and what was pushed and opened. */
  ship: { base: CommitBase; pushed?: RunView['push']; pullRequest?: RunView['pullRequest'] };
}

const personSchema = z.object({ id: z.string(), name: z.string() });

export const engineStateSchema = z.looseObject({
  state: z.enum(RUN_STATES),
  nodes: z.array(
    z.looseObject({
      id: z.string(),
      status: z.enum(RUN_NODE_STATUSES),
      attempt: z.number().int().nonnegative(),
      failures: z.array(checkFailureSchema),
      failureTotal: z.number().int().nonnegative(),
      note: z.string().optional(),
    }),
  ),
  current: z.number().int().nonnegative().nullable(),
  fixRounds: z.record(z.string(), z.number().int().nonnegative()),
  summary: z.string().optional(),
});

const nodeRecordSchema = z.object({ startedAt: z.number().optional(), durationMs: z.number().optional(), excerpt: z.string().optional() });

export const runRecordSchema = z.object({
  id: z.string(),
  sessionId: z.string(),
  repo: z.string(),
  blueprint: blueprintSchema,
  goal: z.string(),
  startedBy: personSchema,
  startedAt: z.number(),
  sessionUrl: z.string(),
  engine: engineStateSchema,
  nodeRecords: z.record(z.string(), nodeRecordSchema),
  actors: z.array(personSchema),
  commit: runViewSchema.shape.commit,
  ship: z.object({
    base: z.object({ baseSha: z.string().optional() }),
    pushed: runViewSchema.shape.push,
    pullRequest: runViewSchema.shape.pullRequest,
  }),
});

export type RunRecordParse = { kind: 'ok'; record: RunRecord } | { kind: 'unreadable'; reason: string };

/** A stored row's record, or why it cannot be used (its engine state must match its blueprint's nodes). */
export function parseRunRecord(value: unknown): RunRecordParse {
  const parsed = runRecordSchema.safeParse(value);
  if (!parsed.success) return { kind: 'unreadable', reason: parsed.error.issues[0]?.message ?? 'unreadable' };
  const record = parsed.data as RunRecord;
  const specIds = record.blueprint.nodes.map((node) => node.id).join(',');
  if (record.engine.nodes.map((node) => node.id).join(',') !== specIds) return { kind: 'unreadable', reason: 'its steps do not match its blueprint' };
  return { kind: 'ok', record };
}
