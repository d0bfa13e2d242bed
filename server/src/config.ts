import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { DEFAULT_SNAPSHOT_REBUILD_INTERVAL_MS } from './sandbox/snapshot-manager.js';
import { DEFAULT_WARM_POOL_SIZE } from './sandbox/warm-pool.js';
import type { SandboxLimits } from './sandbox/local/bwrap-command.js';
import { E2B_DEFAULT_TEMPLATE } from './sandbox/e2b/e2b-provider.js';
import { DEFAULT_MODEL, DEFAULT_MODEL_REQUEST_TIMEOUT_MS, type ModelConfig } from './model/model-client.js';
import { DEFAULT_MODEL_RETRY_BUDGET, DEFAULT_RETRY_BASE_DELAY_MS, type RetryPolicy } from './model/retry-policy.js';
import { DEFAULT_RUN_BUDGET } from './agent/agent-service.js';
import type { RunBudget } from './agent/agent-run.js';
import { DEFAULT_ACCESS, type AccessConfig } from './auth/access-policy.js';
import { GITHUB_DEFAULT_API_URL, GITHUB_DEFAULT_WEB_URL } from './auth/github-sign-in.js';
import type { GitHubHost } from './blueprint/ship/github-repo.js';
import { DEFAULT_RATE_LIMITS, type RateLimits } from './http/rate-limit.js';
import { DEFAULT_SANDBOX_CAPS, type SandboxCaps } from './session/sandbox-admission.js';
import { hostPatternSchema } from './environment/repo-environment.js';
import { AUTO_SETUP_HOSTS } from './network/setup-hosts.js';
import { decideRegistryMirrors, decideUpstreamProxy, parseAllowAddresses, parseNoProxy, type EgressSettings } from './network/egress-settings.js';

export const DEFAULT_PORT = 8787;
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_DATA_DIR = './.tandem-data';
export const DEFAULT_CLIENT_DIST_DIR = './dist/client';

const portSchema = z.coerce.number().int().min(0).max(65535);
const booleanSchema = z.enum(['true', 'false', '1', '0'], 'use true or false').transform((value) => value === 'true' || value === '1');

const envSchema = z.object({
  PORT: portSchema.default(DEFAULT_PORT),
  HOST: z.string().min(1).default(DEFAULT_HOST),
  TANDEM_DATA_DIR: z.string().min(1).default(DEFAULT_DATA_DIR),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'DATABASE_URL must start with postgres:// or postgresql://')
    .optional(),
  TANDEM_SECRET: z.string().min(32, 'TANDEM_SECRET must be at least 32 characters').optional(),
  TANDEM_SECRET_KEY: z.string().min(32, 'TANDEM_SECRET_KEY must be at least 32 characters (e.g. openssl rand -base64 32)').optional(),
  TANDEM_SECRET_KEY_PREVIOUS: z.string().min(32, 'TANDEM_SECRET_KEY_PREVIOUS must be at least 32 characters').optional(),
  TANDEM_CLIENT_DIR: z.string().min(1).default(DEFAULT_CLIENT_DIST_DIR),
  TANDEM_SANDBOX: z.enum(['local', 'e2b']).default('local'),
  E2B_API_KEY: z.string().min(1).optional(),
  TANDEM_E2B_TEMPLATE: z.string().min(1).default(E2B_DEFAULT_TEMPLATE),
  TANDEM_WARM_POOL_SIZE: z.coerce.number().int().min(0).max(32).default(DEFAULT_WARM_POOL_SIZE),
  TANDEM_SNAPSHOT_REBUILD_MINUTES: z.coerce.number().positive().default(DEFAULT_SNAPSHOT_REBUILD_INTERVAL_MS / 60_000),
  TANDEM_REPO_ROOTS: z.string().optional(),
  TANDEM_SANDBOX_MEMORY_MB: z.coerce.number().int().min(64, 'a sandbox needs at least 64 MB of memory').optional(),
  TANDEM_SANDBOX_TMP_MB: z.coerce.number().int().min(1).optional(),
  TANDEM_SANDBOX_DISK_MB: z.coerce.number().int().min(64, 'a workspace disk needs at least 64 MB').optional(),
  TANDEM_SANDBOX_DIR: z.string().min(1).optional(),
  TANDEM_SETUP_HOSTS: z.string().optional(),
  TANDEM_SANDBOX_CGROUP: z.string().regex(/^\//, 'TANDEM_SANDBOX_CGROUP is a cgroup path such as /tandem.slice').optional(),
  ANTHROPIC_API_KEY: z.string().min(1).optional(),
  ANTHROPIC_BASE_URL: z.url('ANTHROPIC_BASE_URL must be a URL such as https://api.anthropic.com').optional(),
  TANDEM_MODEL: z.string().min(1).default(DEFAULT_MODEL),
  TANDEM_AGENT_MAX_TURNS: z.coerce.number().int().min(1).max(1_000).default(DEFAULT_RUN_BUDGET.maxTurns),
  TANDEM_AGENT_MAX_OUTPUT_TOKENS: z.coerce.number().int().min(1_000).default(DEFAULT_RUN_BUDGET.maxOutputTokens),
  TANDEM_AGENT_CONTEXT_TOKENS: z.coerce.number().int().min(1_000).max(10_000_000).default(DEFAULT_RUN_BUDGET.maxContextTokens),
  TANDEM_MODEL_RETRIES: z.coerce.number().int().min(0).max(20).default(DEFAULT_MODEL_RETRY_BUDGET),
  TANDEM_MODEL_RETRY_BASE_MS: z.coerce.number().int().min(1).default(DEFAULT_RETRY_BASE_DELAY_MS),
  TANDEM_REQUIRE_SIGN_IN: booleanSchema.default(false),
  TANDEM_ADMIN_TOKEN: z.string().min(32, 'TANDEM_ADMIN_TOKEN must be at least 32 characters (e.g. openssl rand -base64 32)').optional(),
  TANDEM_GITHUB_CLIENT_ID: z.string().min(1).optional(),
  TANDEM_GITHUB_CLIENT_SECRET: z.string().min(1).optional(),
  TANDEM_GITHUB_ALLOWED_USERS: z.string().optional(),
  TANDEM_GITHUB_ALLOWED_ORGS: z.string().optional(),
  TANDEM_GITHUB_URL: z.url('TANDEM_GITHUB_URL must be a URL such as https://github.com').default(GITHUB_DEFAULT_WEB_URL),
  TANDEM_GITHUB_API_URL: z.url('TANDEM_GITHUB_API_URL must be a URL such as https://api.github.com').default(GITHUB_DEFAULT_API_URL),
  /** Pushes runs' branches and opens their draft PRs (contents and pull-requests write). */
  GITHUB_TOKEN: z.string().min(1).optional(),
  /** Where git clones and pushes GitHub repos when that is not the web address (a mirror, an Enterprise git host). */
  TANDEM_GITHUB_GIT_URL: z.url('TANDEM_GITHUB_GIT_URL must be a URL such as https://github.com').optional(),
  TANDEM_PUBLIC_URL: z.url('TANDEM_PUBLIC_URL must be the address people open, such as https://tandem.example.com').optional(),
  TANDEM_TRUST_PROXY: booleanSchema.default(false),
  TANDEM_MAX_LIVE_SANDBOXES: z.coerce.number().int().min(1).default(DEFAULT_SANDBOX_CAPS.perServer),
  TANDEM_MAX_LIVE_SANDBOXES_PER_PERSON: z.coerce.number().int().min(1).default(DEFAULT_SANDBOX_CAPS.perPerson),
  /** CIDRs that hosts the egress policy allows may resolve to though private or reserved (never loopback, link-local, metadata). */
  TANDEM_EGRESS_ALLOW_ADDRESSES: z
    .string()
    .transform((value, context) => {
      const parsed = parseAllowAddresses(value);
      if ('error' in parsed) context.addIssue({ code: 'custom', message: `${parsed.error} (a comma list of CIDRs such as 10.1.0.0/16,fd00:1::/64)` });
      return 'cidrs' in parsed ? parsed.cidrs : [];
    })
    .optional(),
  /** The HTTP(S) proxy sandboxes' allowed connections are chained through; `off` for none (default: https_proxy / HTTPS_PROXY). */
  TANDEM_EGRESS_UPSTREAM_PROXY: z.string().optional(),
  https_proxy: z.string().optional(),
  HTTPS_PROXY: z.string().optional(),
  no_proxy: z.string().optional(),
  NO_PROXY: z.string().optional(),
  /** Registry mirrors the server's own tools use; sandboxes' tools are pointed at them too. */
  npm_config_registry: z.string().optional(),
  NPM_CONFIG_REGISTRY: z.string().optional(),
  PIP_INDEX_URL: z.string().optional(),
});

const MIB = 1024 * 1024;
/** Only the sizes the environment names; the provider's defaults (DEFAULT_SANDBOX_LIMITS) fill the rest. */
function sandboxLimitsFromEnv(values: { TANDEM_SANDBOX_MEMORY_MB?: number; TANDEM_SANDBOX_TMP_MB?: number; TANDEM_SANDBOX_DISK_MB?: number }) {
  return {
    ...(values.TANDEM_SANDBOX_MEMORY_MB ? { memoryBytes: values.TANDEM_SANDBOX_MEMORY_MB * MIB } : {}),
    ...(values.TANDEM_SANDBOX_TMP_MB ? { tmpBytes: values.TANDEM_SANDBOX_TMP_MB * MIB } : {}),
    ...(values.TANDEM_SANDBOX_DISK_MB ? { workspaceBytes: values.TANDEM_SANDBOX_DISK_MB * MIB } : {}),
  };
}

/** TANDEM_SETUP_HOSTS as host patterns (each checked like a repo's own), or null when unset. */
function setupHostsFromEnv(value: string | undefined): string[] | null {
  if (value === undefined) return null;
  return commaList(value).map((entry) => {
    if (entry.toLowerCase() === AUTO_SETUP_HOSTS) return AUTO_SETUP_HOSTS;
    const parsed = hostPatternSchema.safeParse(entry);
    if (!parsed.success) throw new Error(`Invalid environment:\n  TANDEM_SETUP_HOSTS: "${entry}": ${parsed.error.issues[0]?.message} (or "${AUTO_SETUP_HOSTS}" for the registries of the repo's ecosystems)`);
    return parsed.data;
  });
}

/** The egress settings for a server behind a corporate network (network/egress-settings.ts). */
function egressFromEnv(values: z.infer<typeof envSchema>): EgressSettings {
  const httpsProxyName = values.https_proxy !== undefined ? 'https_proxy' : 'HTTPS_PROXY';
  const upstream = decideUpstreamProxy({ explicit: values.TANDEM_EGRESS_UPSTREAM_PROXY, httpsProxy: values.https_proxy ?? values.HTTPS_PROXY });
  if ('error' in upstream) throw new Error(`Invalid environment:\n  ${upstream.error.replace(/^HTTPS_PROXY/, httpsProxyName)}`);
  const mirrors = decideRegistryMirrors({ npmRegistry: values.npm_config_registry ?? values.NPM_CONFIG_REGISTRY, pipIndexUrl: values.PIP_INDEX_URL });
  if ('error' in mirrors) throw new Error(`Invalid environment:\n  ${mirrors.error}`);
  return { allowAddresses: values.TANDEM_EGRESS_ALLOW_ADDRESSES ?? [], upstreamProxy: upstream.proxy, noProxy: parseNoProxy(values.no_proxy ?? values.NO_PROXY), mirrors };
}

const commaList = (value: string | undefined) => (value ?? '').split(',').map((item) => item.trim()).filter(Boolean);

export interface Config {
  port: number;
  host: string;
  database: { kind: 'pglite'; dataDir: string } | { kind: 'postgres'; url: string };
  /** Signs identity tokens; generated and stored in the database when not given. */
  secret?: string;
  /** Master of the key environment secrets are sealed with (else one kept in the store), and the one it replaced. */
  secretsKey?: { current?: string; previous?: string };
  clientDir: string;
  sandbox: {
    provider: 'local' | 'e2b';
    /** The e2b template new sandboxes start from (TANDEM_SANDBOX=e2b). */
    e2bTemplate: string;
    warmPoolSize: number;
    snapshotRebuildIntervalMs: number;
    /** Local repo paths a session may snapshot must lie under one of these. */
    repoRoots: string[];
    /** Per-sandbox memory, /tmp and workspace sizes (local); the defaults where absent. */
    limits?: Partial<Pick<SandboxLimits, 'memoryBytes' | 'tmpBytes' | 'workspaceBytes'>>;
    /** Where local sandboxes' trees (snapshots, workspaces) live; else the data dir, or a reachable place when it is private. */
    dir?: string;
    /** A cgroup v2 folder (under /sys/fs/cgroup) the server may create sandbox cgroups in; else its own cgroup when it can. */
    cgroupParent?: string;
    /** Hosts setup scripts may reach (TANDEM_SETUP_HOSTS; `auto` keeps the ecosystem registries); null: the ecosystem registries. */
    setupHosts?: string[] | null;
  };
  agent: {
    model: ModelConfig;
    budget: RunBudget;
    retry: RetryPolicy;
  };
  /** Who may use the server (absent: open on loopback, sign-in required elsewhere, no way to sign in). */
  access?: AccessConfig;
  /** Where blueprint runs push their branches and open PRs (GitHub repos; local repos need nothing). */
  github?: GitHubHost;
  /** Egress behind a corporate network: allowed private addresses, an upstream proxy, registry mirrors (absent: none). */
  egress?: EgressSettings;
  /** Rate limits and sandbox caps (absent: the defaults in shared/src/limits.ts). */
  limits?: { rates?: RateLimits; sandboxes?: SandboxCaps };
}

/** Parses the environment once; a bad value stops start-up with a message naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable (`DATABASE_URL=`) means unset, as in most tools.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`).join('\n');
    throw new Error(`Invalid environment:\n${problems}`);
  }
  const values = parsed.data;
  if (Boolean(values.TANDEM_GITHUB_CLIENT_ID) !== Boolean(values.TANDEM_GITHUB_CLIENT_SECRET)) {
    throw new Error('Invalid environment:\n  GitHub sign-in needs both TANDEM_GITHUB_CLIENT_ID and TANDEM_GITHUB_CLIENT_SECRET (from your GitHub OAuth app)');
  }
  if (values.TANDEM_SANDBOX === 'e2b' && !values.E2B_API_KEY) {
    throw new Error('Invalid environment:\n  TANDEM_SANDBOX=e2b needs E2B_API_KEY (from your e2b dashboard); or use TANDEM_SANDBOX=local');
  }
  return {
    port: values.PORT,
    host: values.HOST,
    database: values.DATABASE_URL
      ? { kind: 'postgres', url: values.DATABASE_URL }
      : { kind: 'pglite', dataDir: path.resolve(values.TANDEM_DATA_DIR) },
    secret: values.TANDEM_SECRET,
    secretsKey: { current: values.TANDEM_SECRET_KEY, previous: values.TANDEM_SECRET_KEY_PREVIOUS },
    clientDir: path.resolve(values.TANDEM_CLIENT_DIR),
    sandbox: {
      provider: values.TANDEM_SANDBOX,
      e2bTemplate: values.TANDEM_E2B_TEMPLATE,
      warmPoolSize: values.TANDEM_WARM_POOL_SIZE,
      snapshotRebuildIntervalMs: values.TANDEM_SNAPSHOT_REBUILD_MINUTES * 60_000,
      // An empty entry ("a,,b", a trailing comma) is no root: path.resolve('') would quietly allow the cwd.
      repoRoots: (values.TANDEM_REPO_ROOTS?.split(',') ?? [process.cwd(), os.homedir()])
        .map((root) => root.trim())
        .filter((root) => root !== '')
        .map((root) => path.resolve(root)),
      limits: sandboxLimitsFromEnv(values),
      dir: values.TANDEM_SANDBOX_DIR === undefined ? undefined : path.resolve(values.TANDEM_SANDBOX_DIR),
      cgroupParent: values.TANDEM_SANDBOX_CGROUP,
      setupHosts: setupHostsFromEnv(values.TANDEM_SETUP_HOSTS),
    },
    agent: {
      model: {
        apiKey: values.ANTHROPIC_API_KEY,
        baseUrl: values.ANTHROPIC_BASE_URL,
        model: values.TANDEM_MODEL,
        requestTimeoutMs: DEFAULT_MODEL_REQUEST_TIMEOUT_MS,
      },
      budget: {
        ...DEFAULT_RUN_BUDGET,
        maxTurns: values.TANDEM_AGENT_MAX_TURNS,
        maxOutputTokens: values.TANDEM_AGENT_MAX_OUTPUT_TOKENS,
        maxContextTokens: values.TANDEM_AGENT_CONTEXT_TOKENS,
      },
      retry: { budget: values.TANDEM_MODEL_RETRIES, baseDelayMs: values.TANDEM_MODEL_RETRY_BASE_MS },
    },
    access: {
      ...DEFAULT_ACCESS,
      requireSignIn: values.TANDEM_REQUIRE_SIGN_IN,
      adminToken: values.TANDEM_ADMIN_TOKEN,
      trustProxy: values.TANDEM_TRUST_PROXY,
      publicUrl: values.TANDEM_PUBLIC_URL,
      github:
        values.TANDEM_GITHUB_CLIENT_ID && values.TANDEM_GITHUB_CLIENT_SECRET
          ? {
              clientId: values.TANDEM_GITHUB_CLIENT_ID,
              clientSecret: values.TANDEM_GITHUB_CLIENT_SECRET,
              webUrl: values.TANDEM_GITHUB_URL,
              apiUrl: values.TANDEM_GITHUB_API_URL,
              allowedUsers: commaList(values.TANDEM_GITHUB_ALLOWED_USERS),
              allowedOrgs: commaList(values.TANDEM_GITHUB_ALLOWED_ORGS),
            }
          : undefined,
    },
    github: { webUrl: values.TANDEM_GITHUB_URL, apiUrl: values.TANDEM_GITHUB_API_URL, gitUrl: values.TANDEM_GITHUB_GIT_URL ?? values.TANDEM_GITHUB_URL, token: values.GITHUB_TOKEN },
    egress: egressFromEnv(values),
    limits: {
      rates: DEFAULT_RATE_LIMITS,
      sandboxes: { perServer: values.TANDEM_MAX_LIVE_SANDBOXES, perPerson: values.TANDEM_MAX_LIVE_SANDBOXES_PER_PERSON },
    },
  };
}
