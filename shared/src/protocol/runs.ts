import { z } from 'zod';
import { MAX_CHAT_MESSAGE_CHARS } from '../limits.js';
import type { RunView } from '../doc/run-schema.js';

/** POST /api/sessions/:id/runs: start a blueprint on a goal. */
export const startRunBodySchema = z.object({
  blueprint: z.string().min(1).max(40),
  goal: z.string().trim().min(1).max(MAX_CHAT_MESSAGE_CHARS),
});
export type StartRunBody = z.infer<typeof startRunBodySchema>;

/** What an editor may do to a step of the current run: POST /api/sessions/:id/runs/current/nodes/:nodeId/:action. */
export const RUN_NODE_ACTIONS = ['approve', 'skip', 'retry'] as const;
export const runNodeActionSchema = z.enum(RUN_NODE_ACTIONS);
export type RunNodeAction = z.infer<typeof runNodeActionSchema>;

export interface RunResponse {
  run: RunView;
}

/** PATCH /api/sessions/:id/runs/current/nodes/:nodeId: new parameters for a step that has not run yet (one field per kind). */
export const editRunNodeBodySchema = z
  .strictObject({
    /** An agent step's goal (`{goal}` stands for what the person asked). */
    goal: z.string().trim().min(1).max(4000),
    /** A fix step's rounds; the blueprint's bound still applies. */
    maxRounds: z.number().int().positive(),
    /** A run step's command. */
    command: z.string().trim().min(1).max(4000),
    /** A commit step's subject. */
    message: z.string().trim().min(1).max(2000),
  })
  .partial()
  .refine((edit) => Object.keys(edit).length > 0, { message: 'name at least one parameter to change' });
export type EditRunNodeBody = z.infer<typeof editRunNodeBodySchema>;

/** Where a blueprint comes from: Tandem's own, or the session's repo (`.tandem/blueprints/`). */
export type BlueprintSource = 'built-in' | 'repo';

export interface BlueprintSummary {
  name: string;
  description: string;
  nodes: Array<{ id: string; kind: string; title: string }>;
  source: BlueprintSource;
  /** The repo file it was read from. */
  file?: string;
  /** A repo blueprint with a built-in's name replaces that built-in in this session. */
  overridesBuiltIn?: boolean;
}

/** Why a repo blueprint file was not used: where in it, and what is wrong. */
export interface BlueprintFileProblem {
  file: string;
  /** 1-based; 1 when the problem is the file as a whole. */
  line: number;
  column?: number;
  message: string;
}

export interface BlueprintListResponse {
  blueprints: BlueprintSummary[];
  /** Repo blueprint files that could not be used (the rest, and the built-ins, still work). */
  invalid: BlueprintFileProblem[];
}
