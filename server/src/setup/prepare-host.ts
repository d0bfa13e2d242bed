import { loadConfig } from '../config.js';
import { probeHostFacts } from './host-facts.js';
import { decideInstallPlan, decideManualFix, type ManualFix } from './install-plan.js';
import { runInstallSteps } from './install-packages.js';

/**
 * `npm start` runs this first (prestart; also `npm run setup`): it installs the system packages local
 * sandboxes need when it can do so without asking anyone (as root, or with passwordless sudo), and
 * otherwise says the one command to run. It never stops the start: without sandboxes the server
 * still serves the app, and every session page shows the same command.
 */
const print = (line: string) => console.log(`[tandem setup] ${line}`);

function sayFix(fix: ManualFix): void {
  print(fix.reason);
  if (fix.command) print(`To fix it, run once on this machine, then restart Tandem:  ${fix.command}`);
  if (fix.blocksSandboxes) print('The server starts anyway: the app works, sessions get no sandbox, terminal or agent until then.');
}

async function main(): Promise<void> {
  let provider: string;
  try {
    provider = loadConfig().sandbox.provider;
  } catch {
    // A bad environment is the server's to report, with the variable it names.
    return;
  }
  if (provider !== 'local') return;
  const plan = decideInstallPlan(probeHostFacts());
  switch (plan.kind) {
    case 'ready':
      return;
    case 'manual':
      sayFix(plan.fix);
      return;
    case 'install': {
      print(`${plan.fix.reason} Installing ${plan.packages.join(', ')}…`);
      const outcome = await runInstallSteps(plan.steps, print);
      if (!outcome.ok) print(`${outcome.step.argv.join(' ')} failed (${outcome.detail}).`);
      const left = decideManualFix(probeHostFacts());
      if (left === null) print('Every tool local sandboxes use is installed.');
      else sayFix(left);
      return;
    }
    default:
      plan satisfies never;
  }
}

main().catch((error: unknown) => {
  print(`setup could not finish (${error instanceof Error ? error.message : String(error)}); starting anyway`);
});
