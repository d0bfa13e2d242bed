import { resolveCommand, type Agent, type AgentName } from 'package-manager-detector';
import { SANDBOX_TOOLS_DIR } from '../../sandbox/local/bwrap-command.js';
import type { RequiredTool, SetupStep } from './setup-plan.js';

/**
 * Pure: the install steps a repo without a setup file needs, from what is at its top level. The
 * JavaScript package manager comes from `package-manager-detector` (lockfile, `packageManager`,
 * `devEngines`); workspaces and monorepos install once, at the root, so only the root is looked at.
 */

/** What detection found out about a JavaScript project at the root. */
export interface JavaScriptFacts {
  name: AgentName;
  agent: Agent;
  version?: string;
  /** What named the package manager: its `packageManager` field, `devEngines`, a lockfile, or nothing (npm). */
  from: 'packageManager' | 'devEngines' | 'lockfile' | 'default';
  /** The lockfile at the root, if any. */
  lockfile: string | null;
  /** Whether package.json names any dependency (or workspaces): without, there is nothing to install. */
  hasDependencies: boolean;
}

export interface RepoFacts {
  /** Names of the regular files at the repo's top level. */
  files: ReadonlySet<string>;
  javascript: JavaScriptFacts | null;
  /** A node_modules folder came with the repo (a local checkout copied as it is): installed already. */
  nodeModulesCopied: boolean;
  /** pyproject.toml's text (bounded), when there is one. */
  pyproject: string | null;
}

/** Where sandboxes find tools: the host's /usr, read-only. */
const PROVIDE_ON_HOST = 'install it on the host under /usr/local/bin or /usr/bin (sandboxes see the host\'s /usr read-only), or commit a .tandem/setup.sh that installs it';

export const REQUIRED_TOOLS = {
  npm: { name: 'npm', provide: `npm comes with Node.js: ${PROVIDE_ON_HOST}` },
  corepack: { name: 'corepack', provide: `corepack comes with Node.js 16.9 to 24 (later: npm install -g corepack): ${PROVIDE_ON_HOST}` },
  bun: { name: 'bun', provide: `see https://bun.sh; ${PROVIDE_ON_HOST}` },
  python3: { name: 'python3', provide: `python3 with its venv module (Debian: apt-get install python3-venv); ${PROVIDE_ON_HOST}` },
  uv: { name: 'uv', provide: `see https://docs.astral.sh/uv/; ${PROVIDE_ON_HOST}` },
  poetry: { name: 'poetry', provide: `see https://python-poetry.org/docs/#installation; ${PROVIDE_ON_HOST}` },
  go: { name: 'go', provide: `see https://go.dev/doc/install; ${PROVIDE_ON_HOST}` },
  cargo: { name: 'cargo', provide: `see https://rustup.rs; ${PROVIDE_ON_HOST}` },
} as const satisfies Record<string, RequiredTool>;

/** Where pnpm's content-addressed store lives during setup (the sandbox's /tmp, gone with it). */
export const PNPM_STORE_DIR = '/tmp/tandem-setup/pnpm-store';

const NPM_LOCKFILES = ['package-lock.json', 'npm-shrinkwrap.json'];
const PNPM_LOCKFILES = ['pnpm-lock.yaml'];
const YARN_LOCKFILES = ['yarn.lock'];
const BUN_LOCKFILES = ['bun.lock', 'bun.lockb'];

function describeVersion(facts: JavaScriptFacts): string {
  const version = facts.version && facts.version !== 'berry' ? ` ${facts.version}` : facts.agent === 'yarn@berry' ? ' (berry)' : '';
  const from = facts.from === 'default' ? 'package.json without a lockfile' : facts.from === 'lockfile' ? (facts.lockfile ?? 'lockfile') : facts.from;
  return `${facts.name}${version} (${from})`;
}

function commandLine(agent: Agent, kind: 'frozen' | 'install'): string | null {
  const resolved = resolveCommand(agent, kind, []);
  return resolved ? [resolved.command, ...resolved.args].join(' ') : null;
}

/** The one install at the root for the detected package manager. */
export function decideJavaScriptStep(facts: JavaScriptFacts): SetupStep {
  const label = `Installing with ${describeVersion(facts)}`;
  const locked = (names: string[]) => facts.lockfile !== null && names.includes(facts.lockfile);
  switch (facts.name) {
    case 'npm':
      // Without a lockfile, none is written into the workspace (it would show as a change of the session's).
      return { kind: 'run', label, script: locked(NPM_LOCKFILES) ? commandLine('npm', 'frozen')! : `${commandLine('npm', 'install')!} --no-package-lock`, tool: REQUIRED_TOOLS.npm };
    case 'pnpm':
    case 'yarn': {
      // corepack fetches the version `packageManager` names (its own default without one) and runs it.
      const lockfiles = facts.name === 'pnpm' ? PNPM_LOCKFILES : YARN_LOCKFILES;
      const frozen = locked(lockfiles);
      const install = commandLine(facts.agent, frozen ? 'frozen' : 'install');
      if (!install) return { kind: 'skipped', label, reason: `no install command is known for ${facts.agent}` };
      // Without a lockfile, none is written into the workspace (pnpm 7+ and yarn 1 take --no-lockfile; yarn berry does not).
      const noLockfile = !frozen && (facts.agent === 'pnpm' || facts.agent === 'yarn') ? ' --no-lockfile' : '';
      // pnpm keeps its store at the top of the project's filesystem (the workspace, a mount of its own): in the sandbox's /tmp instead.
      const store = facts.name === 'pnpm' ? ` --store-dir ${PNPM_STORE_DIR}` : '';
      // Its shims go into the snapshot's toolchain folder, whose bin/ is on every session's PATH: `pnpm test` works there.
      const shims = `if [ -d ${SANDBOX_TOOLS_DIR} ]; then mkdir -p ${SANDBOX_TOOLS_DIR}/bin && corepack enable --install-directory ${SANDBOX_TOOLS_DIR}/bin ${facts.name}; fi`;
      return { kind: 'run', label, script: `corepack ${install}${noLockfile}${store} && ${shims}`, tool: REQUIRED_TOOLS.corepack, versionOf: { name: facts.name, command: `corepack ${facts.name} --version` } };
    }
    case 'bun':
      return { kind: 'run', label, script: commandLine('bun', locked(BUN_LOCKFILES) ? 'frozen' : 'install')!, tool: REQUIRED_TOOLS.bun };
    case 'deno':
    case 'nub':
    case 'aube':
    case 'upm':
      return { kind: 'skipped', label, reason: `Tandem does not install ${facts.name} projects by itself yet; commit a .tandem/setup.sh that does` };
    default:
      return facts.name satisfies never;
  }
}

/** Whether pyproject.toml describes an installable project (not only tool settings). */
const installablePyproject = (text: string) => /^\s*\[(project|build-system)\]\s*$/m.test(text);

const VENV = '.venv';
const pipIntoVenv = (install: string) => `python3 -m venv ${VENV} && ${VENV}/bin/python -m pip install ${install}`;

/** One Python step at most: uv, poetry, pip with requirements, pip with pyproject, in that order. */
export function decidePythonStep(facts: RepoFacts): SetupStep | null {
  if (facts.files.has('uv.lock')) return { kind: 'run', label: 'Installing with uv (uv.lock)', script: 'uv sync --frozen', tool: REQUIRED_TOOLS.uv };
  if (facts.files.has('poetry.lock')) {
    return { kind: 'run', label: 'Installing with poetry (poetry.lock)', script: 'POETRY_VIRTUALENVS_IN_PROJECT=true poetry install --no-interaction --no-root', tool: REQUIRED_TOOLS.poetry };
  }
  if (facts.files.has('requirements.txt')) {
    return { kind: 'run', label: `Installing with pip into ${VENV} (requirements.txt)`, script: pipIntoVenv('-r requirements.txt'), tool: REQUIRED_TOOLS.python3 };
  }
  if (facts.pyproject !== null && installablePyproject(facts.pyproject)) {
    return { kind: 'run', label: `Installing with pip into ${VENV} (pyproject.toml)`, script: pipIntoVenv('-e .'), tool: REQUIRED_TOOLS.python3 };
  }
  return null;
}

/** Every detected step, JavaScript first, then Python, Go and Cargo. */
export function decideDetectedSteps(facts: RepoFacts): SetupStep[] {
  const steps: SetupStep[] = [];
  if (facts.javascript && !facts.javascript.hasDependencies) {
    steps.push({ kind: 'skipped', label: `Installing with ${facts.javascript.name}`, reason: 'package.json names no dependencies' });
  } else if (facts.javascript && facts.nodeModulesCopied) {
    steps.push({ kind: 'skipped', label: `Installing with ${facts.javascript.name}`, reason: 'node_modules came with the repo (a local folder copied as it is)' });
  } else if (facts.javascript) steps.push(decideJavaScriptStep(facts.javascript));
  const python = decidePythonStep(facts);
  if (python) steps.push(python);
  if (facts.files.has('go.mod')) steps.push({ kind: 'run', label: 'Downloading Go modules (go.mod)', script: 'go mod download', tool: REQUIRED_TOOLS.go });
  if (facts.files.has('Cargo.toml')) steps.push({ kind: 'run', label: 'Fetching crates (Cargo.toml)', script: 'cargo fetch', tool: REQUIRED_TOOLS.cargo });
  return steps;
}
