import { z } from 'zod';

/**
 * A blueprint: an ordered list of nodes, deterministic (`run`, `checks`, `gate`, `commit`) or agentic
 * (`agent`, `fix`). A `fix` node is the one loop: it follows a `checks` node, runs only when those
 * checks failed, and sends the engine back to them, at most `maxRounds` times. The engine enforces
 * every bound; the model never sees one it could talk its way past.
 */

/** Fix rounds a `fix` node gets when the blueprint names none. */
export const DEFAULT_FIX_ROUNDS = 2;
/** Most fix rounds any blueprint may ask for. */
export const MAX_FIX_ROUNDS = 5;
/** A `run` command or one check is cut off after this long. */
export const DEFAULT_NODE_COMMAND_TIMEOUT_MS = 5 * 60_000;
export const MAX_BLUEPRINT_NODES = 20;
/** CI rounds a run gets (the first plus fix rounds) when the blueprint's CI fix names no bound: the field's consensus of two. */
export const DEFAULT_CI_ROUNDS = 2;
/** Most CI rounds any blueprint may ask for (open-swe's cap of three). */
export const MAX_CI_ROUNDS = 3;
/** How long a `ci` node waits for the pushed commit's checks to finish, and how often it asks. */
export const DEFAULT_CI_TIMEOUT_MS = 30 * 60_000;
export const DEFAULT_CI_POLL_INTERVAL_MS = 15_000;
/** A commit that no check has reported on after this long has no CI: the node is skipped, not waited on forever. */
export const DEFAULT_CI_NO_CHECKS_GRACE_MS = 2 * 60_000;

/** The tools an agent node may be given, by name (agent/tools); `read-only` is the ask blueprint's set. */
export const READ_ONLY_TOOLS = ['read_file', 'list_files', 'grep', 'update_plan'] as const;

const nodeId = z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, 'a node id is lowercase letters, digits and dashes');
const title = z.string().min(1).max(120);

const agentBudget = z
  .object({ maxTurns: z.number().int().positive().max(200).optional(), maxOutputTokens: z.number().int().positive().optional() })
  .strict()
  .optional();

export const agentNodeSchema = z.object({
  kind: z.literal('agent'),
  id: nodeId,
  title,
  /** What the agent is asked; `{goal}` is replaced with what the person asked for. */
  goal: z.string().min(1).max(4000).default('{goal}'),
  /** Tool names the node may call; all of them when absent. */
  tools: z.array(z.string()).optional(),
  budget: agentBudget,
}).strict();

export const runNodeSchema = z.object({
  kind: z.literal('run'),
  id: nodeId,
  title,
  command: z.string().min(1).max(4000),
  timeoutMs: z.number().int().positive().max(60 * 60_000).default(DEFAULT_NODE_COMMAND_TIMEOUT_MS),
}).strict();

export const checkCommandSchema = z.object({
  name: z.string().min(1).max(80),
  command: z.string().min(1).max(4000),
  tool: z.enum(['tsc', 'eslint', 'vitest', 'jest', 'node-test', 'pytest', 'unknown']).default('unknown'),
}).strict();

export const checksNodeSchema = z.object({
  kind: z.literal('checks'),
  id: nodeId,
  title,
  /** The checks to run; discovered from the repo (package.json, Makefile, pyproject) when absent. */
  commands: z.array(checkCommandSchema).max(20).optional(),
  timeoutMs: z.number().int().positive().max(60 * 60_000).default(DEFAULT_NODE_COMMAND_TIMEOUT_MS),
}).strict();

export const fixNodeSchema = z.object({
  kind: z.literal('fix'),
  id: nodeId,
  title,
  /**
   * The `checks` or `ci` node whose failures it fixes. After a round, checks run again; for CI the run
   * goes back to the commit before the CI node (commit, push, CI again).
   */
  checks: nodeId,
  maxRounds: z.number().int().positive().max(MAX_FIX_ROUNDS).default(DEFAULT_FIX_ROUNDS),
  tools: z.array(z.string()).optional(),
  budget: agentBudget,
}).strict();

export const gateNodeSchema = z.object({
  kind: z.literal('gate'),
  id: nodeId,
  title,
  /** What the approving person is asked to look at. */
  prompt: z.string().max(2000).default('Approve to go on.'),
}).strict();

export const commitNodeSchema = z.object({
  kind: z.literal('commit'),
  id: nodeId,
  title,
  /** The commit's subject; `{goal}` is replaced with what the person asked for. */
  message: z.string().min(1).max(2000).default('{goal}'),
}).strict();

/** Pushes the committed branch from outside the sandbox (credentials never enter it). */
export const pushNodeSchema = z.object({ kind: z.literal('push'), id: nodeId, title }).strict();

export const pullRequestNodeSchema = z.object({
  kind: z.literal('pull-request'),
  id: nodeId,
  title,
  /** The PR's title; `{goal}` is replaced with what the person asked for. */
  pullRequestTitle: z.string().min(1).max(200).default('{goal}'),
  draft: z.boolean().default(true),
}).strict();

export const ciNodeSchema = z.object({
  kind: z.literal('ci'),
  id: nodeId,
  title,
  timeoutMs: z.number().int().positive().max(3 * 60 * 60_000).default(DEFAULT_CI_TIMEOUT_MS),
  pollIntervalMs: z.number().int().min(200).max(5 * 60_000).default(DEFAULT_CI_POLL_INTERVAL_MS),
  noChecksGraceMs: z.number().int().min(0).max(60 * 60_000).default(DEFAULT_CI_NO_CHECKS_GRACE_MS),
}).strict();

export const blueprintNodeSchema = z.discriminatedUnion('kind', [
  agentNodeSchema,
  runNodeSchema,
  checksNodeSchema,
  fixNodeSchema,
  gateNodeSchema,
  commitNodeSchema,
  pushNodeSchema,
  pullRequestNodeSchema,
  ciNodeSchema,
]);
export type BlueprintNode = z.infer<typeof blueprintNodeSchema>;
export type FixNode = z.infer<typeof fixNodeSchema>;
export type PullRequestNode = z.infer<typeof pullRequestNodeSchema>;
export type CiNode = z.infer<typeof ciNodeSchema>;

export const blueprintSchema = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9-]{0,39}$/),
    description: z.string().max(500).default(''),
    nodes: z.array(blueprintNodeSchema).min(1).max(MAX_BLUEPRINT_NODES),
  })
  .strict()
  .superRefine((blueprint, context) => {
    const seen = new Set<string>();
    blueprint.nodes.forEach((node, index) => {
      if (seen.has(node.id)) context.addIssue({ code: 'custom', path: ['nodes', index, 'id'], message: `node id "${node.id}" is used twice` });
      seen.add(node.id);
      // Shipping goes in order: something committed before a push, something pushed before a PR or CI.
      const needs = { push: 'commit', 'pull-request': 'push', ci: 'push' } as const;
      if (node.kind in needs) {
        const needed = needs[node.kind as keyof typeof needs];
        if (!blueprint.nodes.slice(0, index).some((earlier) => earlier.kind === needed)) {
          context.addIssue({ code: 'custom', path: ['nodes', index, 'kind'], message: `a ${node.kind} node needs a ${needed} node before it` });
        }
      }
      if (node.kind !== 'fix') return;
      const checksIndex = blueprint.nodes.findIndex((other) => other.id === node.checks);
      const target = blueprint.nodes[checksIndex];
      if (!target || (target.kind !== 'checks' && target.kind !== 'ci') || checksIndex >= index) {
        context.addIssue({ code: 'custom', path: ['nodes', index, 'checks'], message: `"${node.checks}" must name a checks or ci node before this fix node` });
      } else if (target.kind === 'ci' && node.maxRounds + 1 > MAX_CI_ROUNDS) {
        context.addIssue({ code: 'custom', path: ['nodes', index, 'maxRounds'], message: `CI runs at most ${MAX_CI_ROUNDS} times, so a CI fix gets at most ${MAX_CI_ROUNDS - 1} rounds` });
      }
    });
  });
export type Blueprint = z.infer<typeof blueprintSchema>;
