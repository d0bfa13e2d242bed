import { spawnSync } from 'node:child_process';
import { commandOnPath, findMissingTools, LOCAL_SANDBOX_TOOLS, type SandboxTool } from '../sandbox/local/sandbox-tools.js';
import { PACKAGE_MANAGERS, type HostFacts } from './install-plan.js';

/** Bound on `sudo -n true`: it answers at once or not at all. */
const SUDO_PROBE_TIMEOUT_MS = 5_000;

/** What decideInstallPlan and decideManualFix need to know about this host, read from it now. */
export function probeHostFacts(tools: readonly SandboxTool[] = LOCAL_SANDBOX_TOOLS): HostFacts {
  const isRoot = process.getuid?.() === 0;
  const missing = findMissingTools(tools);
  return {
    platform: process.platform,
    missing,
    isRoot,
    // -n: never ask for a password (there may be no one to answer); only tried when it could matter.
    passwordlessSudo: missing.length > 0 && !isRoot && commandOnPath('sudo') && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore', timeout: SUDO_PROBE_TIMEOUT_MS }).status === 0,
    packageManager: PACKAGE_MANAGERS.find((manager) => commandOnPath(manager)) ?? null,
  };
}
