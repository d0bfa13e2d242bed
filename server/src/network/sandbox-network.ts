import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chown, mkdir, open, readFile, readlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { buildSandboxCommand, type SandboxCommandOptions } from '../sandbox/local/bwrap-command.js';
import { killProcessGroup } from '../sandbox/local/run-process.js';
import { CLOSED_POLICY, type NetworkPolicy } from './connection-policy.js';
import { createEgressProxy, type ProxyAttempt } from './egress-proxy.js';
import type { EgressSettings } from './egress-settings.js';
import type { HostResolver } from './host-resolver.js';

/**
 * The network of one local sandbox: a network namespace of its own with only `lo`, held open by a
 * small relay process (run with the server's node, read-only inside) that listens on
 * 127.0.0.1:SANDBOX_PROXY_PORT and forwards each connection over a unix socket to the sandbox's
 * egress proxy on the host. Every process of the sandbox joins this namespace (nsenter, as root,
 * before dropping to the sandbox uid), so they share one loopback: the proxy's port, and services
 * one process starts are reachable from the others. Nothing in it can reach the host's network.
 */

/** Where the proxy answers inside every local sandbox. */
export const SANDBOX_PROXY_PORT = 3128;
/** How long the relay may take to start listening. */
export const RELAY_START_TIMEOUT_MS = 15_000;
const RELAY_SOCKET_NAME = 'proxy.sock';

/** Inside the sandbox: the relay, as `node -e` (argv: socket path, port). Prints "ready" once listening. */
export const RELAY_SCRIPT = `
const net = require('net');
const [socketPath, port] = process.argv.slice(1);
const server = net.createServer((client) => {
  const upstream = net.connect(socketPath);
  const done = () => { client.destroy(); upstream.destroy(); };
  client.on('error', done).on('close', done);
  upstream.on('error', done).on('close', done);
  client.pipe(upstream);
  upstream.pipe(client);
});
server.listen(Number(port), '127.0.0.1', () => process.stdout.write('ready\\n'));
`;

/**
 * socat as the relay where the host has it (about 2 MB per sandbox, against about 40 MB for node);
 * it is wrapped so "ready" is printed only once its port accepts (the probe reaches the proxy as an
 * empty connection, which it drops).
 */
export const SOCAT_PATH = '/usr/bin/socat';
const SOCAT_RELAY_SCRIPT = [
  'socat TCP-LISTEN:"$2",bind=127.0.0.1,fork,reuseaddr UNIX-CONNECT:"$1" &',
  'until (exec 3<>/dev/tcp/127.0.0.1/"$2") 2>/dev/null; do sleep 0.02; done',
  'echo ready',
  'wait',
].join('\n');

export type RelayProgram = 'socat' | 'node';

/** Pure: which relay runs inside, given whether the host has socat (in /usr, so the sandbox sees it). */
export function decideRelayProgram(socatAvailable: boolean, preferred?: RelayProgram): RelayProgram {
  return preferred ?? (socatAvailable ? 'socat' : 'node');
}

function relayCommand(program: RelayProgram, socketPath: string, port: number): string[] {
  switch (program) {
    case 'socat':
      return ['bash', '--noprofile', '--norc', '-c', SOCAT_RELAY_SCRIPT, 'tandem-relay', socketPath, String(port)];
    case 'node':
      return [process.execPath, '-e', RELAY_SCRIPT, socketPath, String(port)];
    default:
      return program satisfies never;
  }
}

/** The proxy settings every process of the sandbox gets; loopback stays direct (local services). */
export function proxyEnvironment(port = SANDBOX_PROXY_PORT): Record<string, string> {
  const proxy = `http://127.0.0.1:${port}`;
  const direct = 'localhost,127.0.0.1,::1';
  return {
    HTTP_PROXY: proxy,
    HTTPS_PROXY: proxy,
    http_proxy: proxy,
    https_proxy: proxy,
    ALL_PROXY: proxy,
    NO_PROXY: direct,
    no_proxy: direct,
    // Node's own fetch honours the variables too (Node 24+; older ones ignore it).
    NODE_USE_ENV_PROXY: '1',
    // npm's update check fetches the registry's whole `npm` document (about 3 MB) from every npm
    // command: setup would spend its bandwidth on it, and in a session each `npm test` would be
    // refused and ask everyone "denied — allow for this session?".
    NPM_CONFIG_UPDATE_NOTIFIER: 'false',
  };
}

export interface SandboxNetwork {
  /** What bwrap-command passes to nsenter: the namespace, pinned by a descriptor the server holds. */
  namespacePath: string;
  env: Record<string, string>;
  setPolicy(policy: NetworkPolicy): void;
  policy(): NetworkPolicy;
  /** Every attempt, as it ends; returns the unsubscribe. */
  onAttempt(listener: (attempt: ProxyAttempt) => void): () => void;
  close(): Promise<void>;
}

export interface SandboxNetworkOptions {
  /** A host folder for this sandbox's socket (made here, given to the uid). */
  dir: string;
  /** How the relay's own sandbox is built (uid, identity files, limits, cgroup...). */
  command: Omit<SandboxCommandOptions, 'env' | 'cwd' | 'newSession' | 'workspaceHostDir' | 'networkNamespace' | 'networkEnv'>;
  resolver: HostResolver;
  /** The operator's upstream proxy and the hosts that bypass it. */
  upstream?: Pick<EgressSettings, 'upstreamProxy' | 'noProxy'>;
  /** More for every process's environment (the registry mirrors); the proxy settings always win. */
  env?: Record<string, string>;
  policy?: NetworkPolicy;
  /** Which relay (tests pick one); socat when the host has it, else node. */
  relay?: RelayProgram;
}

async function namespaceInitPid(bwrapPid: number): Promise<number> {
  // bwrap forks the namespace's pid 1 as its only child; the relay runs under it (socat's wrapper and socat too).
  const children = (await readFile(`/proc/${bwrapPid}/task/${bwrapPid}/children`, 'utf8')).trim().split(/\s+/).filter(Boolean);
  if (children.length !== 1) throw new Error(`the sandbox network's relay has ${children.length} processes where one was expected`);
  return Number(children[0]);
}

export async function startSandboxNetwork(options: SandboxNetworkOptions): Promise<SandboxNetwork> {
  const uid = options.command.uid;
  await mkdir(options.dir, { recursive: true, mode: 0o700 });
  await chown(options.dir, uid, uid);
  let policy = options.policy ?? CLOSED_POLICY;
  const listeners = new Set<(attempt: ProxyAttempt) => void>();
  const proxy = createEgressProxy({
    socketPath: path.join(options.dir, RELAY_SOCKET_NAME),
    uid,
    policy: () => policy,
    resolver: options.resolver,
    upstream: options.upstream,
    onAttempt: (attempt) => listeners.forEach((listener) => listener(attempt)),
  });
  await proxy.listen();
  const program = decideRelayProgram(existsSync(SOCAT_PATH), options.relay);
  const { file, args } = buildSandboxCommand(
    { ...options.command, workspaceHostDir: options.dir, env: {}, newSession: true },
    relayCommand(program, `/workspace/${RELAY_SOCKET_NAME}`, SANDBOX_PROXY_PORT),
  );
  const relay = spawn(file, args, { env: {}, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let namespace: FileHandle | null = null;
  try {
    await new Promise<void>((resolve, reject) => {
      let output = '';
      const timer = setTimeout(() => reject(new Error(`the sandbox network did not start within ${RELAY_START_TIMEOUT_MS / 1000} s`)), RELAY_START_TIMEOUT_MS);
      const collect = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('ready\n')) {
          clearTimeout(timer);
          resolve();
        }
      };
      relay.stdout.on('data', collect);
      relay.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      relay.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the sandbox network's relay exited (${code}): ${output.trim().slice(0, 500)}`));
      });
    });
    const initPid = await namespaceInitPid(relay.pid!);
    namespace = await open(`/proc/${initPid}/ns/net`, 'r');
    // Held by descriptor: a pid can be reused, a descriptor always names the same namespace.
    const [own, host] = await Promise.all([readlink(`/proc/self/fd/${namespace.fd}`), readlink('/proc/self/ns/net')]);
    if (own === host) throw new Error("the sandbox network's relay runs in the host's network namespace");
  } catch (error) {
    killProcessGroup(relay);
    await namespace?.close();
    await proxy.close();
    throw error;
  }
  const held = namespace;
  const exited = new Promise<void>((resolve) => (relay.exitCode !== null ? resolve() : relay.once('exit', () => resolve())));
  return {
    namespacePath: `/proc/${process.pid}/fd/${held.fd}`,
    env: { ...options.env, ...proxyEnvironment() },
    setPolicy: (next) => {
      policy = next;
    },
    policy: () => policy,
    onAttempt(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      killProcessGroup(relay);
      await exited;
      await held.close();
      await proxy.close();
      listeners.clear();
    },
  };
}
