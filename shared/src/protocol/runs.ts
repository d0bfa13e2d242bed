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

export interface BlueprintSummary {
  name: string;
  description: string;
  nodes: Array<{ id: string; kind: string; title: string }>;
}
export interface BlueprintListResponse {
  blueprints: BlueprintSummary[];
}
