import { parseArgs } from 'node:util';
import { z } from 'zod';

/** The blueprints compared when no --blueprint is given: implement, and implement without its checks→fix loop. */
export const DEFAULT_BLUEPRINTS = ['implement', 'implement-no-fix'] as const;
/** Where the results are written (git-ignored). */
export const DEFAULT_RESULTS_FILE = 'eval/results/latest.json';

export const EVAL_USAGE = `Usage: npm run eval -- [--blueprint <name>]... [--task <name>]... [--json]

  --blueprint <name>  a blueprint to run every task through (repeat or comma-separate; default: ${DEFAULT_BLUEPRINTS.join(', ')})
  --task <name>       only this task of eval/tasks (repeat or comma-separate; default: all)
  --json              print the results as JSON instead of the table
  --help              this text

With ANTHROPIC_API_KEY set the tasks run against the configured model (TANDEM_MODEL, ANTHROPIC_BASE_URL);
without it, against the fake Messages API and each task's scripted answers (fake-model.json).
Results are written to ${DEFAULT_RESULTS_FILE}.`;

/** Blueprint and task names: what a blueprint's `name` and a folder under eval/tasks may be. */
const nameSchema = z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, 'a name is lowercase letters, digits and dashes, starting with a letter');

const flagsSchema = z.object({
  blueprints: z.array(nameSchema).min(1),
  tasks: z.array(nameSchema).nullable(),
  json: z.boolean(),
  help: z.boolean(),
});
export type EvalFlags = z.infer<typeof flagsSchema>;

export type ParsedFlags = { ok: true; flags: EvalFlags } | { ok: false; message: string };

/** `--task a --task b,c` → ['a', 'b', 'c'], each once, in the order given. */
function splitList(values: string[] | undefined): string[] | undefined {
  if (!values) return undefined;
  return [...new Set(values.flatMap((value) => value.split(',')).map((value) => value.trim()).filter(Boolean))];
}

const whatNext = 'Run `npm run eval -- --help` for the flags.';

/** The command line of `npm run eval`, checked; a bad flag says what is wrong and what to do. */
export function parseEvalFlags(argv: string[]): ParsedFlags {
  let values: { blueprint?: string[]; task?: string[]; json?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        blueprint: { type: 'string', multiple: true },
        task: { type: 'string', multiple: true },
        json: { type: 'boolean' },
        help: { type: 'boolean' },
      },
    }));
  } catch (error) {
    return { ok: false, message: `${error instanceof Error ? error.message : String(error)}. ${whatNext}` };
  }
  const input = {
    blueprints: splitList(values.blueprint) ?? [...DEFAULT_BLUEPRINTS],
    tasks: splitList(values.task) ?? null,
    json: values.json ?? false,
    help: values.help ?? false,
  };
  const parsed = flagsSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const [field, index] = issue.path;
    const flag = field === 'blueprints' ? '--blueprint' : '--task';
    const list = field === 'blueprints' ? input.blueprints : (input.tasks ?? []);
    const given = typeof index === 'number' ? ` "${list[index]}"` : '';
    const problem = typeof index === 'number' ? issue.message : 'name at least one';
    return { ok: false, message: `${flag}${given}: ${problem}. ${whatNext}` };
  }
  if (parsed.data.tasks?.length === 0) return { ok: false, message: `--task: name at least one task. ${whatNext}` };
  return { ok: true, flags: parsed.data };
}

/** The tasks the flags name, in suite order; an unknown name is an error listing the known ones. */
export function selectTasks<T extends { name: string }>(all: readonly T[], names: string[] | null): { ok: true; tasks: T[] } | { ok: false; message: string } {
  if (names === null) return { ok: true, tasks: [...all] };
  const unknown = names.filter((name) => !all.some((task) => task.name === name));
  if (unknown.length > 0) {
    return { ok: false, message: `No task named ${unknown.map((name) => `"${name}"`).join(', ')} in eval/tasks. Tasks: ${all.map((task) => task.name).join(', ')}.` };
  }
  return { ok: true, tasks: all.filter((task) => names.includes(task.name)) };
}
