import { execFile } from 'node:child_process';

/**
 * git on the server, for the push step only. The repos it touches hold hostile content (a local repo's
 * config, a bundle made in a sandbox), so it never runs their hooks or fsmonitor, checks every object it
 * receives, never prompts, and reaches only the transports it is given.
 */
export const HOST_GIT_TIMEOUT_MS = 120_000;
const MAX_GIT_OUTPUT_BYTES = 4 * 1024 * 1024;

export interface HostGitResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface HostGitOptions {
  /** GIT_ALLOW_PROTOCOL: the transports this call may use. */
  protocols: string;
  /** Extra configuration passed through the environment (never the command line, which `ps` shows). */
  config?: Record<string, string>;
  /** Runs git as this user (the owner of the repo it writes into), so what it writes stays theirs. */
  runAs?: { uid: number; gid: number };
  signal?: AbortSignal;
}

const SAFETY_CONFIG = [
  ...['-c', 'core.hooksPath=/dev/null', '-c', 'core.fsmonitor=false', '-c', 'transfer.fsckObjects=true', '-c', 'credential.helper='],
  // Nothing the repo's content or config can start in the background or in its submodules.
  ...['-c', 'gc.auto=0', '-c', 'maintenance.auto=false', '-c', 'fetch.recurseSubmodules=false', '-c', 'submodule.recurse=false'],
];

/**
 * The only variables git gets from the server's environment: never its secrets (GITHUB_TOKEN, the model's
 * key, the database URL), above all not when git runs as another user, who could read them in /proc.
 */
const PASSED_ENV = ['PATH', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR'] as const;

export function hostGit(args: string[], options: HostGitOptions): Promise<HostGitResult> {
  const extra = Object.entries(options.config ?? {});
  const env: NodeJS.ProcessEnv = {
    ...Object.fromEntries(PASSED_ENV.filter((name) => process.env[name] !== undefined).map((name) => [name, process.env[name]])),
    // The server's own git settings (its HOME) apply to its own pushes, never to git run as someone else.
    HOME: options.runAs ? '/nonexistent' : (process.env.HOME ?? '/nonexistent'),
    GIT_ALLOW_PROTOCOL: options.protocols,
    GIT_TERMINAL_PROMPT: '0',
    GIT_CONFIG_COUNT: String(extra.length),
    ...Object.fromEntries(extra.flatMap(([key, value], index) => [[`GIT_CONFIG_KEY_${index}`, key], [`GIT_CONFIG_VALUE_${index}`, value]])),
  };
  // As another user, the server's own git config (in its HOME) is neither readable nor theirs to use.
  if (options.runAs) Object.assign(env, { GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' });
  const [command, commandArgs] = options.runAs
    ? ['setpriv', ['--reuid', String(options.runAs.uid), '--regid', String(options.runAs.gid), '--clear-groups', '--', 'git', ...SAFETY_CONFIG, ...args]]
    : ['git', [...SAFETY_CONFIG, ...args]];
  return new Promise((resolve) => {
    execFile(command, commandArgs, { env, timeout: HOST_GIT_TIMEOUT_MS, maxBuffer: MAX_GIT_OUTPUT_BYTES, signal: options.signal }, (error, stdout, stderr) => {
      const code = error && typeof (error as { code?: unknown }).code === 'number' ? ((error as { code: number }).code) : error ? 1 : 0;
      resolve({ exitCode: code, stdout: String(stdout), stderr: String(stderr) || (error && code === 1 && !stderr ? error.message : '') });
    });
  });
}

/** The last lines of git's complaint, for a node's message. */
export function gitComplaint(result: HostGitResult): string {
  const text = (result.stderr || result.stdout).trim().split('\n').filter((line) => line.trim() !== '');
  return text.slice(-3).join(' ').slice(0, 400) || `git exited with code ${result.exitCode}`;
}
