import type { SandboxTool } from '../sandbox/local/sandbox-tools.js';

/** Package managers the setup step knows how to drive. */
export const PACKAGE_MANAGERS = ['apt-get', 'dnf'] as const;
export type PackageManager = (typeof PACKAGE_MANAGERS)[number];

/** What the setup step (and the server, to say what to run) knows about this host. */
export interface HostFacts {
  platform: NodeJS.Platform;
  /** Sandbox tools not on PATH. */
  missing: readonly SandboxTool[];
  isRoot: boolean;
  /** `sudo -n true` succeeds: sudo runs without asking for a password. */
  passwordlessSudo: boolean;
  packageManager: PackageManager | null;
}

/** One command the executor runs, with a line to print before it. */
export interface InstallStep {
  label: string;
  argv: string[];
}

/** What a person must do to get sandboxes, when the server cannot do it itself. */
export interface ManualFix {
  /** Why sandboxes do not work (or work with less), in one sentence. */
  reason: string;
  /** The one command to run on the server's machine; null when none would do (not Linux, unknown package manager). */
  command: string | null;
  /** False when only recommended tools are missing: sandboxes still run. */
  blocksSandboxes: boolean;
}

export type InstallPlan =
  | { kind: 'ready' }
  | { kind: 'install'; packages: string[]; steps: InstallStep[]; fix: ManualFix }
  | { kind: 'manual'; fix: ManualFix };

const unique = (values: string[]) => [...new Set(values)];

function describeMissing(missing: readonly SandboxTool[]): string {
  const required = missing.filter((tool) => tool.need === 'required');
  const recommended = missing.filter((tool) => tool.need === 'recommended');
  const parts: string[] = [];
  if (required.length > 0) {
    parts.push(`local sandboxes need ${required.map((tool) => `${tool.command} (${tool.purpose})`).join(', ')}, not installed on this machine`);
  }
  if (recommended.length > 0) {
    const without = recommended.map((tool) => `${tool.command} is missing, so ${tool.without ?? `nothing ${tool.purpose}`}`).join('; ');
    parts.push(required.length > 0 ? `also ${without}` : without);
  }
  const sentence = parts.join('; ');
  return `${sentence.charAt(0).toUpperCase()}${sentence.slice(1)}.`;
}

/** Pure: why sandboxes are off (or limited) here and the one command that fixes it. Null when nothing is missing. */
export function decideManualFix(facts: HostFacts): ManualFix | null {
  if (facts.missing.length === 0) return null;
  const blocksSandboxes = facts.missing.some((tool) => tool.need === 'required');
  if (facts.platform !== 'linux') {
    return { reason: 'Local sandboxes need Linux (bubblewrap and kernel overlayfs); on this machine set TANDEM_SANDBOX=e2b and E2B_API_KEY.', command: null, blocksSandboxes: true };
  }
  const reason = describeMissing(facts.missing);
  if (facts.packageManager === null) {
    const names = unique(facts.missing.map((tool) => tool.packages['apt-get'])).join(', ');
    return { reason: `${reason} Install ${names} with this machine's package manager.`, command: null, blocksSandboxes };
  }
  const manager = facts.packageManager;
  const packages = unique(facts.missing.map((tool) => tool.packages[manager]));
  return { reason, command: `${facts.isRoot ? '' : 'sudo '}${manager} install -y ${packages.join(' ')}`, blocksSandboxes };
}

/**
 * Pure: what the setup step does about missing sandbox tools. It installs them itself only where
 * nobody would be asked anything (as root, or with passwordless sudo), as `playwright install
 * --with-deps` does; otherwise it leaves the one command for a person.
 */
export function decideInstallPlan(facts: HostFacts): InstallPlan {
  const fix = decideManualFix(facts);
  if (fix === null) return { kind: 'ready' };
  const manager = facts.packageManager;
  if (fix.command === null || manager === null || !(facts.isRoot || facts.passwordlessSudo)) return { kind: 'manual', fix };
  const packages = unique(facts.missing.map((tool) => tool.packages[manager]));
  const asRoot = facts.isRoot ? [] : ['sudo', '-n'];
  switch (manager) {
    case 'apt-get':
      return {
        kind: 'install',
        packages,
        fix,
        steps: [
          // A fresh machine (or container) may have no package lists yet.
          { label: 'Updating the package lists (apt-get update)', argv: [...asRoot, 'env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'update'] },
          {
            label: `Installing ${packages.join(', ')}`,
            argv: [...asRoot, 'env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'install', '-y', '--no-install-recommends', ...packages],
          },
        ],
      };
    case 'dnf':
      return { kind: 'install', packages, fix, steps: [{ label: `Installing ${packages.join(', ')}`, argv: [...asRoot, 'dnf', 'install', '-y', ...packages] }] };
    default:
      return manager satisfies never;
  }
}
