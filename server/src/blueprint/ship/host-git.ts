import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';

/**
 * git on the server, for the commit and push steps. The repos it touches hold hostile content (a local
 * repo's config and objects), so it never runs a command their config names (NEUTRAL_COMMAND_CONFIG),
 * checks every object it receives, never prompts, and reaches only the transports it is given.
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
  /** What git reads on its standard input. */
  input?: string | Buffer;
  /** More output than this (MAX_GIT_OUTPUT_BYTES when absent) fails the call. */
  maxOutputBytes?: number;
  /** GIT_INDEX_FILE: a temporary index (for update-index and write-tree in a bare repo). */
  indexFile?: string;
  signal?: AbortSignal;
}

/**
 * Every configuration key of the repos git touches here that could make git run a command, set to
 * something that runs nothing (or to `true`/`:`, which do nothing), and the checks and refusals
 * turned on. `-c` outranks a repo's own config, so a person's repo (or one a sandbox made) cannot
 * get the server's git, or the receive-pack it starts in that repo, to run anything: its hooks,
 * fsmonitor, an alternate-refs, ssh, askpass, editor, pager or gpg command, a credential helper,
 * auto-gc or maintenance, submodules, or a checkout (and with it filters) of a pushed branch.
 * Filters (`filter.*`) and diff/merge drivers have no key to clear: nothing here checks out, adds
 * or diffs, and a pushed checked-out branch is refused (`receive.denyCurrentBranch`).
 * `uploadpack.packObjectsHook` is read from protected config only (the server's, never a repo's).
 */
export const NEUTRAL_COMMAND_CONFIG: ReadonlyArray<readonly [string, string]> = [
  ['core.hooksPath', '/dev/null'],
  ['core.fsmonitor', 'false'],
  ['core.alternateRefsCommand', 'true'],
  ['core.sshCommand', 'false'],
  ['core.askPass', ''],
  ['core.editor', ':'],
  ['core.pager', 'cat'],
  ['credential.helper', ''],
  ['gpg.program', 'false'],
  ['gpg.ssh.program', 'false'],
  ['gpg.x509.program', 'false'],
  ['gc.auto', '0'],
  ['maintenance.auto', 'false'],
  ['receive.autogc', 'false'],
  ['receive.denyCurrentBranch', 'refuse'],
  ['receive.denyDeleteCurrent', 'refuse'],
  ['receive.fsckObjects', 'true'],
  ['transfer.fsckObjects', 'true'],
  ['fetch.recurseSubmodules', 'false'],
  ['submodule.recurse', 'false'],
];

const SAFETY_CONFIG = NEUTRAL_COMMAND_CONFIG.flatMap(([key, value]) => ['-c', `${key}=${value}`]);

/**
 * The command a local push starts in the repo it pushes into (`git push --receive-pack=…`). The
 * pushing git does not pass its own `-c` to it (the file transport clears them), so they are named
 * again here. It runs as the pushing git does (as the repo's owner, with that git's environment).
 */
export function receivePackCommand(): string {
  const quote = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;
  return ['git', ...SAFETY_CONFIG, 'receive-pack'].map(quote).join(' ');
}

/**
 * The only variables git gets from the server's environment: never its secrets (GITHUB_TOKEN, the model's
 * key, the database URL), above all not when git runs as another user, who could read them in /proc.
 */
const PASSED_ENV = ['PATH', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR'] as const;

function invocation(args: string[], options: HostGitOptions): { command: string; commandArgs: string[]; env: NodeJS.ProcessEnv } {
  const extra = Object.entries(options.config ?? {});
  const env: NodeJS.ProcessEnv = {
    ...Object.fromEntries(PASSED_ENV.filter((name) => process.env[name] !== undefined).map((name) => [name, process.env[name]])),
    // The server's own git settings (its HOME) apply to its own pushes, never to git run as someone else.
    HOME: options.runAs ? '/nonexistent' : (process.env.HOME ?? '/nonexistent'),
    GIT_ALLOW_PROTOCOL: options.protocols,
    GIT_TERMINAL_PROMPT: '0',
    ...(options.indexFile ? { GIT_INDEX_FILE: options.indexFile } : {}),
    GIT_CONFIG_COUNT: String(extra.length),
    ...Object.fromEntries(extra.flatMap(([key, value], index) => [[`GIT_CONFIG_KEY_${index}`, key], [`GIT_CONFIG_VALUE_${index}`, value]])),
  };
  // As another user, the server's own git config (in its HOME) is neither readable nor theirs to use.
  if (options.runAs) Object.assign(env, { GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' });
  const [command, commandArgs]: [string, string[]] = options.runAs
    ? ['setpriv', ['--reuid', String(options.runAs.uid), '--regid', String(options.runAs.gid), '--clear-groups', '--', 'git', ...SAFETY_CONFIG, ...args]]
    : ['git', [...SAFETY_CONFIG, ...args]];
  return { command, commandArgs, env };
}

export function hostGit(args: string[], options: HostGitOptions): Promise<HostGitResult> {
  const { command, commandArgs, env } = invocation(args, options);
  return new Promise((resolve) => {
    const child = execFile(command, commandArgs, { env, timeout: HOST_GIT_TIMEOUT_MS, maxBuffer: options.maxOutputBytes ?? MAX_GIT_OUTPUT_BYTES, signal: options.signal }, (error, stdout, stderr) => {
      const code = error && typeof (error as { code?: unknown }).code === 'number' ? ((error as { code: number }).code) : error ? 1 : 0;
      resolve({ exitCode: code, stdout: String(stdout), stderr: String(stderr) || (error && code === 1 && !stderr ? error.message : '') });
    });
    // A git that exits before reading all of its input must not take the server down with EPIPE.
    child.stdin?.on('error', () => {});
    child.stdin?.end(options.input ?? '');
  });
}

/**
 * git fed by `feed` as it goes (a stream too big to hold, such as every file of a workspace for
 * fast-import): each write waits while git's input is full. Output is kept as hostGit keeps it.
 */
export async function hostGitFed(args: string[], options: Omit<HostGitOptions, 'input'>, feed: (write: (chunk: Uint8Array | string) => Promise<void>) => Promise<void>): Promise<HostGitResult> {
  const { command, commandArgs, env } = invocation(args, options);
  const child = spawn(command, commandArgs, { env, timeout: HOST_GIT_TIMEOUT_MS, signal: options.signal, stdio: ['pipe', 'pipe', 'pipe'] });
  const output = { stdout: '', stderr: '' };
  child.stdout.on('data', (chunk: Buffer) => (output.stdout = (output.stdout + chunk.toString()).slice(-MAX_GIT_OUTPUT_BYTES)));
  child.stderr.on('data', (chunk: Buffer) => (output.stderr = (output.stderr + chunk.toString()).slice(-MAX_GIT_OUTPUT_BYTES)));
  child.stdin.on('error', () => {});
  const exited = new Promise<number>((resolve) => {
    child.on('error', (error) => {
      output.stderr ||= error.message;
      resolve(1);
    });
    child.on('close', (code) => resolve(code ?? 1));
  });
  let gone = false;
  void exited.then(() => (gone = true));
  const write = async (chunk: Uint8Array | string) => {
    if (gone) throw new Error(`git stopped reading: ${output.stderr.trim().slice(-300)}`);
    if (!child.stdin.write(chunk)) await Promise.race([once(child.stdin, 'drain'), exited]);
  };
  try {
    await feed(write);
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    throw error;
  }
  child.stdin.end();
  return { exitCode: await exited, ...output };
}

/** The last lines of git's complaint, for a node's message. */
export function gitComplaint(result: HostGitResult): string {
  const text = (result.stderr || result.stdout).trim().split('\n').filter((line) => line.trim() !== '');
  return text.slice(-3).join(' ').slice(0, 400) || `git exited with code ${result.exitCode}`;
}
