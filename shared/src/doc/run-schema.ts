import { z } from 'zod';

/**
 * A blueprint run as everyone sees it: its nodes in order, each with status, attempt k of N, duration,
 * an output excerpt and the structured failures of checks. Written by the server only (the `run` root);
 * people act on it through HTTP (approve a gate, skip or retry a node), never by writing the doc.
 */

/** Most structured failures kept per node in the doc (the agent gets the same compact list). */
export const MAX_NODE_FAILURES = 50;
/** Characters of one failure message kept (a stack trace is cut to its head). */
export const MAX_FAILURE_MESSAGE_CHARS = 500;
/** Characters of a node's output excerpt kept in the doc. */
export const MAX_NODE_EXCERPT_CHARS = 4_000;

/** The tools whose output Tandem turns into structured failures; `unknown` falls back to a capped tail. */
export const CHECK_TOOLS = ['tsc', 'eslint', 'vitest', 'jest', 'node-test', 'pytest', 'unknown'] as const;
export type CheckTool = (typeof CHECK_TOOLS)[number];

/**
 * What a failure is about: `code` (the repo's code or tests are wrong; a fix round can help) or
 * `environment` (the check could not run: its command is not installed, its runner's module is
 * missing; the setup must change, so the run hands back without a fix round).
 */
export const CHECK_FAILURE_KINDS = ['code', 'environment'] as const;
export type CheckFailureKind = (typeof CHECK_FAILURE_KINDS)[number];

/** One failure of a check: where it is (when the tool says) and what is wrong. */
export const checkFailureSchema = z.object({
  tool: z.enum(CHECK_TOOLS).catch('unknown'),
  /** Absent in runs recorded before kinds existed: those were all read as `code`. */
  kind: z.enum(CHECK_FAILURE_KINDS).optional().catch(undefined),
  /** The check it came from (a package.json script, a Makefile target). */
  check: z.string().optional().catch(undefined),
  file: z.string().optional().catch(undefined),
  line: z.number().int().optional().catch(undefined),
  column: z.number().int().optional().catch(undefined),
  /** The lint rule or compiler code (ESLint rule id, TS2322). */
  rule: z.string().optional().catch(undefined),
  /** The failing test's full name. */
  test: z.string().optional().catch(undefined),
  message: z.string().catch(''),
});
export type CheckFailure = z.infer<typeof checkFailureSchema>;

export const RUN_NODE_KINDS = ['agent', 'run', 'checks', 'fix', 'gate', 'commit', 'push', 'pull-request', 'ci'] as const;
export type RunNodeKind = (typeof RUN_NODE_KINDS)[number];

export const RUN_NODE_STATUSES = ['pending', 'running', 'passed', 'failed', 'skipped', 'waiting'] as const;
export type RunNodeStatus = (typeof RUN_NODE_STATUSES)[number];

/** A step's editable parameters, by kind: an agent's goal, a fix's rounds, a run's command, a commit's message. */
export const runNodeParamsSchema = z.object({
  goal: z.string().optional(),
  maxRounds: z.number().int().optional(),
  command: z.string().optional(),
  message: z.string().optional(),
});
export type RunNodeParams = z.infer<typeof runNodeParamsSchema>;

export const runNodeViewSchema = z.object({
  id: z.string(),
  kind: z.enum(RUN_NODE_KINDS),
  title: z.string().catch(''),
  status: z.enum(RUN_NODE_STATUSES).catch('pending'),
  /** The attempt now running or last run (0 before the first), out of `maxAttempts`. */
  attempt: z.number().int().nonnegative().catch(0),
  maxAttempts: z.number().int().positive().catch(1),
  startedAt: z.number().optional().catch(undefined),
  durationMs: z.number().optional().catch(undefined),
  excerpt: z.string().optional().catch(undefined),
  failures: z.array(checkFailureSchema).catch([]),
  /** Who approved, skipped or retried it, and other one-line facts (the commit made). */
  note: z.string().optional().catch(undefined),
  /** The parameters an editor may change before the step runs (see runNodeParamsSchema). */
  params: runNodeParamsSchema.optional().catch(undefined),
});
export type RunNodeView = z.infer<typeof runNodeViewSchema>;

export const RUN_STATES = ['running', 'waiting', 'passed', 'handed-back', 'failed', 'stopped'] as const;
export type RunState = (typeof RUN_STATES)[number];

export const runViewSchema = z.object({
  id: z.string(),
  blueprint: z.string(),
  goal: z.string().catch(''),
  state: z.enum(RUN_STATES).catch('failed'),
  startedBy: z.string().catch(''),
  startedAt: z.number().catch(0),
  endedAt: z.number().optional().catch(undefined),
  nodes: z.array(runNodeViewSchema).catch([]),
  /** Why the run handed back or failed, and what is left, for the people who take over. */
  summary: z.string().optional().catch(undefined),
  /** The commit the run made, once it made one. */
  commit: z.object({ sha: z.string(), branch: z.string() }).optional().catch(undefined),
  /** Where the branch was pushed (a local repo's path or a GitHub repo), once it was. */
  push: z.object({ sha: z.string(), branch: z.string(), remote: z.string() }).optional().catch(undefined),
  /** The draft pull request the run opened, for everyone to open. */
  pullRequest: z.object({ number: z.number().int(), url: z.string(), draft: z.boolean() }).optional().catch(undefined),
});
export type RunView = z.infer<typeof runViewSchema>;
