import { spawn } from 'node:child_process';
import type { InstallStep } from './install-plan.js';

export type StepOutcome = { ok: true } | { ok: false; step: InstallStep; detail: string };

/** Runs one step with the terminal attached, so its own progress (apt's, dnf's) is what people see. */
function runStep(step: InstallStep): Promise<StepOutcome> {
  const [file, ...args] = step.argv;
  if (file === undefined) return Promise.resolve({ ok: false, step, detail: 'empty command' });
  return new Promise((resolve) => {
    const child = spawn(file, args, { stdio: ['ignore', 'inherit', 'inherit'] });
    child.once('error', (error) => resolve({ ok: false, step, detail: error.message }));
    child.once('exit', (code, signal) => resolve(code === 0 ? { ok: true } : { ok: false, step, detail: signal ? `stopped by ${signal}` : `exit ${code}` }));
  });
}

/** The executor of an install plan: its steps in order, each announced, stopping at the first that fails. */
export async function runInstallSteps(steps: readonly InstallStep[], print: (line: string) => void): Promise<StepOutcome> {
  for (const [index, step] of steps.entries()) {
    print(`(${index + 1}/${steps.length}) ${step.label}: ${step.argv.join(' ')}`);
    const outcome = await runStep(step);
    if (!outcome.ok) return outcome;
  }
  return { ok: true };
}
