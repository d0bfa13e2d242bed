import { parse as parseJsonc, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { shellQuote } from '../../sandbox/shell-quote.js';
import { MAX_COMMAND_LENGTH, MAX_SERVICES, serviceNameSchema, type SupervisedService } from '../repo-environment.js';
import type { SetupStep } from './setup-plan.js';

/**
 * The environment files teams already keep for other tools, turned into setup steps. Pure: each
 * parser takes the file's text (read without following links, bounded) and returns steps or a reason
 * it can't be followed. The commands they name are the repo's: they run only inside the setup
 * sandbox, exactly like `.tandem/setup.sh`, never on the host.
 */

export const DEVCONTAINER_PATH = '.devcontainer/devcontainer.json';
/** The spec's other place for it, at the top of the repo. */
export const ROOT_DEVCONTAINER_PATH = '.devcontainer.json';
export const CURSOR_ENVIRONMENT_PATH = '.cursor/environment.json';
export const OPENINSPECT_SETUP_PATH = '.openinspect/setup.sh';
export const COPILOT_SETUP_STEPS_PATH = '.github/workflows/copilot-setup-steps.yml';
export const COPILOT_SETUP_JOB = 'copilot-setup-steps';

/** The devcontainer lifecycle commands that build an environment, in the order they run (initializeCommand runs on the host: never). */
export const DEVCONTAINER_SETUP_COMMANDS = ['onCreateCommand', 'updateContentCommand', 'postCreateCommand'] as const;

export const MAX_ENVIRONMENT_COMMAND_LENGTH = 16 * 1024;
export const MAX_ENVIRONMENT_STEPS = 50;
export const MAX_STEP_TITLE_LENGTH = 120;

export type ParsedEnvironmentFile = { ok: true; steps: SetupStep[] } | { ok: false; reason: string };

const commandText = z.string().max(MAX_ENVIRONMENT_COMMAND_LENGTH);
const commandArgv = z.array(commandText).min(1).max(200);
/** devcontainer.json's command forms: a shell string, an argv array, or named commands (string or argv each). */
const lifecycleCommandSchema = z.union([commandText, commandArgv, z.record(z.string().max(200), z.union([commandText, commandArgv]))]);

/** Quotes one word for bash; plain words stay as they are, so the log reads like the file. */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : shellQuote(word);
}

function commandScript(command: string | string[]): string {
  return typeof command === 'string' ? command : command.map(shellWord).join(' ');
}

/** A step's name from the repo, fit for one line of progress: no control characters, bounded. */
export function stepTitle(text: string): string {
  // eslint-disable-next-line no-control-regex
  const line = text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
  return line.length > MAX_STEP_TITLE_LENGTH ? `${line.slice(0, MAX_STEP_TITLE_LENGTH - 1)}…` : line;
}

const zodReason = (error: z.ZodError) => error.issues.map((issue) => `${issue.path.join('.') || '(top)'}: ${issue.message}`).join('; ');

/** `.devcontainer/devcontainer.json` (JSONC: comments and trailing commas allowed). */
export function parseDevcontainer(text: string, filePath: string = DEVCONTAINER_PATH): ParsedEnvironmentFile {
  const errors: ParseError[] = [];
  const value: unknown = parseJsonc(text, errors, { allowTrailingComma: true, disallowComments: false });
  if (errors.length > 0) return { ok: false, reason: `not valid JSON with comments (${printParseErrorCode(errors[0]!.error)} at offset ${errors[0]!.offset})` };
  const parsed = z.looseObject(Object.fromEntries(DEVCONTAINER_SETUP_COMMANDS.map((key) => [key, lifecycleCommandSchema.optional()]))).safeParse(value);
  if (!parsed.success) return { ok: false, reason: zodReason(parsed.error) };
  const steps: SetupStep[] = [];
  for (const key of DEVCONTAINER_SETUP_COMMANDS) {
    const command = parsed.data[key] as z.infer<typeof lifecycleCommandSchema> | undefined;
    if (command === undefined) continue;
    if (typeof command === 'string' || Array.isArray(command)) {
      if (commandScript(command).trim() !== '') steps.push({ kind: 'run', label: `${key} (${filePath})`, script: commandScript(command) });
      continue;
    }
    // The object form runs its commands in parallel in a dev container; here one after the other, each its own step.
    for (const [name, each] of Object.entries(command)) {
      if (commandScript(each).trim() !== '') steps.push({ kind: 'run', label: `${key} "${stepTitle(name)}" (${filePath})`, script: commandScript(each) });
    }
  }
  return { ok: true, steps: steps.slice(0, MAX_ENVIRONMENT_STEPS) };
}

/** `.cursor/environment.json`: its `install` command (its `start` and `terminals` are for sessions, not the snapshot: parseCursorSessionServices). */
export function parseCursorEnvironment(text: string): ParsedEnvironmentFile {
  const errors: ParseError[] = [];
  const value: unknown = parseJsonc(text, errors, { allowTrailingComma: true });
  if (errors.length > 0) return { ok: false, reason: `not valid JSON (${printParseErrorCode(errors[0]!.error)} at offset ${errors[0]!.offset})` };
  const parsed = z.looseObject({ install: commandText.optional() }).safeParse(value);
  if (!parsed.success) return { ok: false, reason: zodReason(parsed.error) };
  const install = parsed.data.install?.trim();
  return { ok: true, steps: install ? [{ kind: 'run', label: `install (${CURSOR_ENVIRONMENT_PATH})`, script: install }] : [] };
}

/** The service that runs Cursor's `start` once, before the terminals' services. */
export const CURSOR_START_SERVICE = 'cursor-start';
const SERVICE_NAME_LENGTH = 40;

export type CursorSessionServices = { ok: true; services: SupervisedService[]; notes: string[] } | { ok: false; reason: string };

const cursorSessionSchema = z.looseObject({
  start: z.string().max(MAX_COMMAND_LENGTH).optional(),
  terminals: z
    .array(z.looseObject({ name: z.string().max(200), command: z.string().max(MAX_COMMAND_LENGTH), description: z.string().max(2000).optional() }))
    .max(MAX_SERVICES * 5)
    .optional(),
});

/** A service name (serviceNameSchema) from a terminal's free-text name: lowercase, accents dropped, `-` for the rest, bounded, never empty. */
export function serviceNameFrom(text: string): string {
  const name = text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, SERVICE_NAME_LENGTH)
    .replace(/[-_]+$/, '');
  return name || 'terminal';
}

/**
 * `.cursor/environment.json`'s session part, as services of the sandbox: `start` is a one-shot run
 * (`cursor-start`, before the others), each of `terminals` a long-running service named after it,
 * whose "ready" is only that it is running (Cursor gives no ready check). Its log is the service's
 * read-only tab. At most MAX_SERVICES in all; what does not fit is said in `notes`.
 */
export function parseCursorSessionServices(text: string): CursorSessionServices {
  const errors: ParseError[] = [];
  const value: unknown = parseJsonc(text, errors, { allowTrailingComma: true });
  if (errors.length > 0) return { ok: false, reason: `not valid JSON (${printParseErrorCode(errors[0]!.error)} at offset ${errors[0]!.offset})` };
  const parsed = cursorSessionSchema.safeParse(value);
  if (!parsed.success) return { ok: false, reason: zodReason(parsed.error) };
  const services: SupervisedService[] = [];
  const notes: string[] = [];
  const start = parsed.data.start?.trim();
  if (start) services.push({ name: CURSOR_START_SERVICE, command: start, ready: { command: 'true' }, once: true });
  const taken = new Set(services.map((service) => service.name));
  for (const [index, terminal] of (parsed.data.terminals ?? []).entries()) {
    const command = terminal.command.trim();
    if (!command) {
      notes.push(`terminals[${index}] ("${stepTitle(terminal.name)}") has no command; not started`);
      continue;
    }
    if (services.length >= MAX_SERVICES) {
      notes.push(`only ${MAX_SERVICES} services run in a sandbox; terminals[${index}] and later ones are not started`);
      break;
    }
    const base = serviceNameFrom(terminal.name);
    let name = base;
    for (let number = 2; taken.has(name); number += 1) name = `${base.slice(0, SERVICE_NAME_LENGTH - String(number).length - 1)}-${number}`;
    taken.add(name);
    services.push({ name: serviceNameSchema.parse(name), command, ready: { command: 'true' } });
  }
  return { ok: true, services, notes };
}

const workflowStepSchema = z.looseObject({
  name: z.string().max(500).optional(),
  run: commandText.optional(),
  uses: z.string().max(500).optional(),
  'working-directory': z.string().max(500).optional(),
  env: z.record(z.string().max(200), z.union([z.string().max(MAX_ENVIRONMENT_COMMAND_LENGTH), z.number(), z.boolean()])).optional(),
});
const copilotWorkflowSchema = z.looseObject({
  jobs: z.looseObject({ [COPILOT_SETUP_JOB]: z.looseObject({ steps: z.array(workflowStepSchema).max(MAX_ENVIRONMENT_STEPS) }) }),
});

const ENVIRONMENT_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * `.github/workflows/copilot-setup-steps.yml`, job `copilot-setup-steps`: its `run:` steps in order
 * (with their `working-directory` and plain `env`); `uses:` steps are actions Tandem does not run,
 * reported as skipped. Values holding `${{ … }}` expressions can't be evaluated here and are left out.
 */
export function parseCopilotSetupSteps(text: string): ParsedEnvironmentFile {
  let value: unknown;
  try {
    value = parseYaml(text, { maxAliasCount: 100 });
  } catch (error) {
    return { ok: false, reason: `not valid YAML (${(error as Error).message.split('\n')[0]})` };
  }
  const parsed = copilotWorkflowSchema.safeParse(value);
  if (!parsed.success) return { ok: false, reason: `no job "${COPILOT_SETUP_JOB}" with steps (${zodReason(parsed.error)})` };
  const steps: SetupStep[] = [];
  parsed.data.jobs[COPILOT_SETUP_JOB].steps.forEach((step, index) => {
    const title = stepTitle(step.name ?? (step.uses ? `uses: ${step.uses}` : `step ${index + 1}`));
    const label = `${title} (${COPILOT_SETUP_STEPS_PATH})`;
    if (step.run === undefined) {
      steps.push({ kind: 'skipped', label, reason: step.uses ? `uses: ${step.uses} is a GitHub Action; Tandem runs only run: steps` : 'no run: command' });
      return;
    }
    const exports = Object.entries(step.env ?? {})
      .filter(([name, each]) => ENVIRONMENT_NAME.test(name) && !String(each).includes('${{'))
      .map(([name, each]) => `export ${name}=${shellWord(String(each))}`);
    const directory = step['working-directory'];
    const cd = directory && !directory.includes('${{') ? [`cd -- ${shellWord(directory)}`] : [];
    steps.push({ kind: 'run', label, script: [...exports, ...cd, step.run].join('\n') });
  });
  return { ok: true, steps };
}
