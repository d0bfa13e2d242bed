/** What one task run through one blueprint came to, and the totals per blueprint: pure, so it is unit-tested. */

export interface TaskResult {
  task: string;
  blueprint: string;
  /** The hidden acceptance check passed on the session's final workspace. */
  success: boolean;
  /** How the blueprint run ended (passed, handed-back, failed, stopped), or `error` when it never ran to an end. */
  runState: string;
  /** Acceptance tests passed and failed (from node:test's summary). */
  acceptance: { passed: number; failed: number };
  /** Model turns over all the run's agent nodes. */
  turns: number;
  /** Agent nodes that ran (implement, each fix round). */
  agentRuns: number;
  fixRounds: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  /** From the run's start to its end. */
  wallMs: number;
  /** Why the task could not be run or judged. */
  error?: string;
  /** Each node of the run as it ended: status and attempts (for reading the JSON, not the table). */
  nodes?: Array<{ id: string; status: string; attempt: number }>;
  /** The end of the acceptance check's output when it failed (what the agent got wrong). */
  acceptanceOutput?: string;
}

export interface BlueprintTotals {
  blueprint: string;
  tasks: number;
  successes: number;
  successRate: number;
  turns: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  wallMs: number;
}

/** Totals per blueprint, in the order the blueprints are given. */
export function totalsByBlueprint(results: readonly TaskResult[], blueprints: readonly string[]): BlueprintTotals[] {
  return blueprints.map((blueprint) => {
    const mine = results.filter((result) => result.blueprint === blueprint);
    const sum = (pick: (result: TaskResult) => number) => mine.reduce((total, result) => total + pick(result), 0);
    const successes = mine.filter((result) => result.success).length;
    return {
      blueprint,
      tasks: mine.length,
      successes,
      successRate: mine.length === 0 ? 0 : successes / mine.length,
      turns: sum((result) => result.turns),
      inputTokens: sum((result) => result.inputTokens),
      outputTokens: sum((result) => result.outputTokens),
      costUsd: sum((result) => result.costUsd),
      wallMs: sum((result) => result.wallMs),
    };
  });
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const dollars = (usd: number) => `$${usd.toFixed(4)}`;
const count = (value: number) => value.toLocaleString('en-US');

function table(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) => `| ${cells.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')} |`;
  return [line(header), `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

/** The task × blueprint table, then one line of totals per blueprint. */
export function formatResultsTable(results: readonly TaskResult[], totals: readonly BlueprintTotals[]): string {
  const rows = results.map((result) => [
    result.task,
    result.blueprint,
    result.success ? 'yes' : 'no',
    result.error ? `error: ${result.error.slice(0, 60)}` : result.runState,
    `${result.acceptance.passed}/${result.acceptance.passed + result.acceptance.failed}`,
    String(result.fixRounds),
    String(result.turns),
    `${count(result.inputTokens)} / ${count(result.outputTokens)}`,
    dollars(result.costUsd),
    seconds(result.wallMs),
  ]);
  const perTask = table(['task', 'blueprint', 'success', 'run', 'acceptance', 'fix rounds', 'turns', 'tokens in / out', 'cost', 'wall'], rows);
  const totalRows = totals.map((total) => [
    total.blueprint,
    `${total.successes}/${total.tasks} (${Math.round(total.successRate * 100)}%)`,
    String(total.turns),
    `${count(total.inputTokens)} / ${count(total.outputTokens)}`,
    dollars(total.costUsd),
    seconds(total.wallMs),
  ]);
  return `${perTask}\n\n${table(['blueprint', 'success', 'turns', 'tokens in / out', 'cost', 'wall'], totalRows)}`;
}

/** node:test's TAP summary (`# pass N`, `# fail M`); zeros when it printed none (it crashed first). */
export function acceptanceCounts(tap: string): { passed: number; failed: number } {
  const read = (label: string) => Number(tap.match(new RegExp(`^# ${label} (\\d+)$`, 'm'))?.[1] ?? 0);
  return { passed: read('pass'), failed: read('fail') + read('cancelled') };
}
