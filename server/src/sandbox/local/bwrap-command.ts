import path from 'node:path';

/** Where the workspace appears inside every local sandbox. */
export const SANDBOX_WORKSPACE_DIR = '/workspace';
export const SANDBOX_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

const MIB = 1024 * 1024;

/**
 * Where a snapshot's toolchain folder appears in its sandboxes: what setup fetched that is not the
 * repo's own files (package managers through corepack with their shims in bin/, Go's module cache,
 * Cargo's registry). Writable while setup runs, read-only in sessions; never in the workspace, whose
 * files are the session's changes.
 */
export const SANDBOX_TOOLS_DIR = '/opt/tandem';
/** The environment that points the tools at the toolchain folder (and keeps their caches out of the workspace, which is HOME). */
export const SANDBOX_TOOLS_ENV: Readonly<Record<string, string>> = {
  PATH: `${SANDBOX_TOOLS_DIR}/bin:${SANDBOX_PATH}`,
  COREPACK_HOME: `${SANDBOX_TOOLS_DIR}/corepack`,
  COREPACK_ENABLE_DOWNLOAD_PROMPT: '0',
  COREPACK_ENABLE_AUTO_PIN: '0',
  GOMODCACHE: `${SANDBOX_TOOLS_DIR}/go/mod`,
  GOPATH: '/tmp/go',
  GOCACHE: '/tmp/go-build',
  CARGO_HOME: `${SANDBOX_TOOLS_DIR}/cargo`,
};

/** A snapshot's toolchain folder on the host, and whether this sandbox may write it (setup only). */
export interface SandboxToolsMount {
  hostDir: string;
  writable: boolean;
}

/** What one sandbox may use; every field is a hard bound (how each is enforced: see buildSandboxCommand and local-provider.ts). */
export interface SandboxLimits {
  processes: number;
  openFiles: number;
  fileSizeBytes: number;
  /** Memory of the whole sandbox with cgroups v2; of each process (RLIMIT_DATA) without. */
  memoryBytes: number;
  /** Size of the sandbox's own /tmp. */
  tmpBytes: number;
  /** What the session may add to its workspace (its copy-on-write layer: new and changed files). */
  workspaceBytes: number;
}

export const DEFAULT_SANDBOX_LIMITS: SandboxLimits = {
  processes: 256,
  openFiles: 1024,
  fileSizeBytes: 512 * MIB,
  memoryBytes: 2048 * MIB,
  tmpBytes: 512 * MIB,
  workspaceBytes: 2048 * MIB,
};

/** Where the sandbox's /tmp lives: a tmpfs of limits.tmpBytes (bwrap --size), or a folder on the session's size-capped disk. */
export type TmpPlacement = { kind: 'sized-tmpfs' } | { kind: 'disk'; hostDir: string };

export interface SandboxCommandOptions {
  /** Unprivileged host uid (and gid) the sandbox runs as; one per live sandbox. */
  uid: number;
  /** Host directory mounted read-write at /workspace. */
  workspaceHostDir: string;
  /** Host files bound over /etc/passwd and /etc/group so the uid has a name and a home. */
  passwdFile: string;
  groupFile: string;
  /**
   * The sandbox's own network namespace to join (sandbox-network.ts), entered with nsenter as root
   * before anything else; without one the command gets a fresh namespace with only `lo` (the relay
   * that holds a sandbox's namespace starts that way). Never the host's network.
   */
  networkNamespace?: string;
  /** The proxy settings of the sandbox's network, under every command's own env. */
  networkEnv?: Record<string, string>;
  limits: SandboxLimits;
  env: Record<string, string>;
  cwd?: string;
  /** Host directories outside /usr that tools need (e.g. where node lives), bound read-only. */
  extraReadOnlyDirs?: string[];
  /** A new session (setsid) for non-interactive runs; a PTY keeps its controlling terminal. */
  newSession: boolean;
  tmp: TmpPlacement;
  /** A cgroup v2 `cgroup.procs` file the sandbox enters before anything of it runs (memory, pids, cpu bounded as a whole). */
  cgroupProcsFile?: string;
  /** The snapshot's toolchain folder, mounted at SANDBOX_TOOLS_DIR (absent for snapshots that have none). */
  tools?: SandboxToolsMount;
}

/**
 * The first step of every sandbox start, run by bash as root: closes every descriptor but stdio, then
 * execs the rest (setpriv …). The server holds descriptors without close-on-exec (node-pty's PTY
 * masters of other sessions: writing to one types into that person's shell), and neither node-pty nor
 * libuv closes them in the child. Bubblewrap keeps what it inherits, and its pid 1 inside the sandbox
 * would hand them out again through /proc/1/fd, so they are closed here, before any sandbox process
 * exists. Bash enumerates its own /proc/$$/fd, so no descriptor number is missed however high; it runs
 * with --norc, as with stdin a socket it would otherwise source root's ~/.bashrc.
 */
export const SANDBOX_ENTRY_SCRIPT = [
  'PATH=/usr/sbin:/usr/bin:/sbin:/bin',
  'for fd in /proc/$$/fd/*; do fd=${fd##*/}; if [ "$fd" -gt 2 ]; then eval "exec $fd>&-"; fi; done',
  // $1: the sandbox's cgroup.procs ('' for none); entered by this process, so every later one is in it.
  'if [ -n "$1" ]; then echo $$ > "$1" || { echo "tandem: could not enter the sandbox cgroup $1" >&2; exit 125; }; fi',
  'shift',
  'exec "$@"',
].join('\n');

/**
 * The argv that runs `command` isolated: close every inherited descriptor but stdio, drop to the
 * unprivileged uid with setpriv (as root, otherwise files land owned by root), then bubblewrap with
 * every namespace unshared, no capabilities, read-only /usr and /etc, fresh /proc, /dev and /tmp, an
 * explicit environment, and prlimit on processes, open files and file size.
 */
export function buildSandboxCommand(options: SandboxCommandOptions, command: string[]): { file: string; args: string[]; env: Record<string, string> } {
  const id = String(options.uid);
  const entry = ['--noprofile', '--norc', '-c', SANDBOX_ENTRY_SCRIPT, 'tandem-sandbox-entry', options.cgroupProcsFile ?? ''];
  const joined = options.networkNamespace !== undefined;
  const args = [...(joined ? [`--net=${options.networkNamespace}`, '--', 'bash'] : []), ...entry, 'setpriv', '--reuid', id, '--regid', id, '--clear-groups', '--inh-caps=-all', '--', 'bwrap'];
  args.push('--unshare-all', '--unshare-user', '--disable-userns', '--cap-drop', 'ALL', '--die-with-parent');
  // --share-net here keeps the namespace nsenter joined (the sandbox's own), not the host's.
  if (joined) args.push('--share-net');
  if (options.newSession) args.push('--new-session');
  args.push('--ro-bind', '/usr', '/usr');
  for (const link of ['bin', 'lib', 'lib64', 'sbin']) args.push('--symlink', `usr/${link}`, `/${link}`);
  args.push('--ro-bind', '/etc', '/etc', '--ro-bind', options.passwdFile, '/etc/passwd', '--ro-bind', options.groupFile, '/etc/group');
  for (const dir of options.extraReadOnlyDirs ?? []) {
    if (!dir.startsWith('/usr/')) args.push('--ro-bind', dir, dir);
  }
  args.push('--proc', '/proc', '--dev', '/dev');
  if (options.tmp.kind === 'sized-tmpfs') args.push('--size', String(options.limits.tmpBytes), '--tmpfs', '/tmp');
  else args.push('--bind', options.tmp.hostDir, '/tmp');
  args.push('--bind', options.workspaceHostDir, SANDBOX_WORKSPACE_DIR);
  if (options.tools) args.push(options.tools.writable ? '--bind' : '--ro-bind', options.tools.hostDir, SANDBOX_TOOLS_DIR);
  args.push('--chdir', options.cwd ? path.posix.resolve(SANDBOX_WORKSPACE_DIR, options.cwd) : SANDBOX_WORKSPACE_DIR);
  // The spawned process's environment holds only the caller's variables, under a prefix (see
  // passedEnvironment); bash and setpriv add PWD and SHLVL, which go. Nothing else of the server's reaches it.
  args.push('--hostname', 'sandbox', '--unsetenv', 'PWD', '--unsetenv', 'SHLVL');
  // The proxy settings are no secret: set in argv like the rest of the base (the caller's env still wins).
  const baseEnv = { PATH: SANDBOX_PATH, HOME: SANDBOX_WORKSPACE_DIR, USER: 'tandem', LANG: 'C.UTF-8', ...SANDBOX_GIT_ENV, ...(options.tools ? SANDBOX_TOOLS_ENV : {}), ...options.networkEnv };
  for (const [key, value] of Object.entries(baseEnv)) args.push('--setenv', key, value);
  const passed = Object.keys(options.env).length > 0;
  args.push(
    '--',
    'prlimit',
    `--nproc=${options.limits.processes}`,
    `--nofile=${options.limits.openFiles}`,
    `--fsize=${options.limits.fileSizeBytes}`,
    // Without a cgroup this is the memory bound: each process's private memory (RLIMIT_DATA; unlike
    // RLIMIT_AS it leaves the address space free, which WebAssembly in node reserves by the gigabyte).
    ...(options.cgroupProcsFile ? [] : [`--data=${options.limits.memoryBytes}`]),
    '--',
    // Without a cgroup (and its lower cpu.weight) a busy sandbox would compete with the server as an
    // equal: a lower priority keeps the server, and so every other session, answering.
    ...(options.cgroupProcsFile ? [] : ['nice', '-n', String(SANDBOX_NICENESS)]),
    ...(passed ? ['bash', '--noprofile', '--norc', '-c', SANDBOX_ENV_SCRIPT, 'tandem-sandbox-env'] : []),
    ...command,
  );
  return { file: joined ? 'nsenter' : 'bash', args, env: passedEnvironment(options.env) };
}

/**
 * git's safe-directory config for the workspace, as command-scope config in every sandbox process's
 * environment (the agent's execs, the terminals, the setup phase): the workspace's files belong to the
 * snapshot, not to the sandbox's uid, and git refuses such a repo ("detected dubious ownership")
 * otherwise. Carried by the sandbox, never written into the workspace (whose files are committed).
 */
export const SANDBOX_GIT_ENV: Readonly<Record<string, string>> = {
  GIT_CONFIG_COUNT: '1',
  GIT_CONFIG_KEY_0: 'safe.directory',
  GIT_CONFIG_VALUE_0: SANDBOX_WORKSPACE_DIR,
};

/** How much lower a sandbox's processes run than the server where no cgroup weighs its CPU (nice(1) steps). */
export const SANDBOX_NICENESS = 10;

/** Prefix of the caller's variables on their way in: names nothing before the sandbox acts on (not BASH_ENV, LD_PRELOAD, PATH). */
export const PASSED_ENV_PREFIX = 'TANDEM_SANDBOX_ENV_';

/**
 * The caller's variables (secrets among them) travel in the environment of the spawned process, never
 * in its argv (any local user reads /proc/<pid>/cmdline; a process's environ only its own uid and
 * root). They go prefixed, so the root entry script, setpriv and bubblewrap see names that mean
 * nothing to them; inside the sandbox, as the sandbox uid, this script gives them their own names.
 */
export function passedEnvironment(env: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).map(([key, value]) => [`${PASSED_ENV_PREFIX}${key}`, value]));
}

const SANDBOX_ENV_SCRIPT = [
  `for name in \${!${PASSED_ENV_PREFIX}@}; do export "\${name#${PASSED_ENV_PREFIX}}=\${!name}"; unset "$name"; done`,
  'exec "$@"',
].join('\n');

export function passwdFileContents(uid: number): string {
  return `root:x:0:0:root:/root:/usr/sbin/nologin\ntandem:x:${uid}:${uid}:Tandem sandbox:${SANDBOX_WORKSPACE_DIR}:/bin/bash\n`;
}

export function groupFileContents(uid: number): string {
  return `root:x:0:\ntandem:x:${uid}:\n`;
}
