import type { RunView } from '@tandem/shared/doc/run-schema.js';
import type { PlanStep } from '@tandem/shared/doc/schema.js';

/** What a draft PR's body says: the goal, the plan, the checks the run passed locally, who steered, the session. */
export interface PullRequestBodyInput {
  goal: string;
  plan: PlanStep[];
  run: Pick<RunView, 'nodes' | 'blueprint'>;
  startedBy: string;
  steeredBy: string[];
  sessionUrl: string;
}

/** GitHub refuses a body over 65,536 characters; stay well under it. */
export const MAX_PULL_REQUEST_BODY_CHARS = 60_000;
const MAX_GOAL_CHARS = 4_000;
const MAX_PLAN_STEPS = 30;

const PLAN_MARK: Record<PlanStep['status'], string> = { done: '[x]', pending: '[ ]', in_progress: '[ ]', failed: '[ ]', skipped: '[-]' };
const CHECK_WORD: Record<string, string> = { passed: '✅ passed', failed: '❌ failed', skipped: '⏭️ skipped', pending: '… not run', running: '… running', waiting: '… waiting' };

/** Text from people or the model, quoted so it cannot open HTML, decode into a mention or mention a team. */
const quote = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/@(?=\w)/g, '@\u200b');
/** One line of such text inside markdown (a list item, a table cell, a name): no new rows, headings, links or emphasis. */
const inline = (text: string) => quote(text).replace(/[\r\n]+/g, ' ').replace(/([\\`*_{}[\]()#+!~|>])/g, '\\$1');
/** Free text kept as written, in a fence longer than any backtick run inside it. */
const fenced = (text: string) => {
  const fence = '`'.repeat(Math.max(3, ...[...text.matchAll(/`+/g)].map((run) => run[0].length + 1)));
  return `${fence}text\n${text.replace(/\r/g, '')}\n${fence}`;
};

export function pullRequestBody(input: PullRequestBodyInput): string {
  const goal = input.goal.length > MAX_GOAL_CHARS ? `${input.goal.slice(0, MAX_GOAL_CHARS)}…` : input.goal;
  const sections = [`## Goal\n\n${fenced(goal)}`];
  if (input.plan.length > 0) {
    const steps = input.plan.slice(0, MAX_PLAN_STEPS).map((step) => `- ${PLAN_MARK[step.status]} ${inline(step.title)}`);
    if (input.plan.length > MAX_PLAN_STEPS) steps.push(`- … and ${input.plan.length - MAX_PLAN_STEPS} more`);
    sections.push(`## Plan\n\n${steps.join('\n')}`);
  }
  const checks = input.run.nodes.filter((node) => node.kind === 'checks');
  if (checks.length > 0) {
    const rows = checks.map((node) => {
      const failures = node.failures.length > 0 ? ` (${node.failures.length} failure${node.failures.length === 1 ? '' : 's'} left)` : '';
      return `| ${inline(node.title)} | ${CHECK_WORD[node.status] ?? node.status}${failures} | ${node.attempt} of ${node.maxAttempts} |`;
    });
    sections.push(`## Local checks\n\n| check | result | runs |\n|---|---|---|\n${rows.join('\n')}`);
  }
  const people = [`Started by ${inline(input.startedBy)}`];
  if (input.steeredBy.length > 0) people.push(`steered by ${input.steeredBy.map(inline).join(', ')}`);
  sections.push(`## Who\n\n${people.join('; ')}.`);
  sections.push(`---\nMade in a [Tandem session](${input.sessionUrl}) with the \`${input.run.blueprint}\` blueprint.`);
  const body = sections.join('\n\n');
  return body.length > MAX_PULL_REQUEST_BODY_CHARS ? `${body.slice(0, MAX_PULL_REQUEST_BODY_CHARS - 1)}…` : body;
}
