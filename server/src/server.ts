/* Over 350 lines: the composition of a running server (store, DocHost, sandboxes, network, secrets, agent, shipping) in start-up order; compose.ts makes the session work (blueprint runs, workspace updates), and the rest moving there is what issue 18 leaves. */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { WebSocketServer } from 'ws';
import { MAX_SYNC_MESSAGE_BYTES } from '@tandem/shared/limits.js';
import { composeSessionWork } from './compose.js';
import { createApp, type AppLogger } from './app.js';
import { createServerAccess } from './auth/server-access.js';
import path from 'node:path';
import { DEFAULT_DATA_DIR, type Config } from './config.js';
import { openDatabase, type DatabaseHandle } from './db/database.js';
import { createDrizzleDocStore } from './db/repositories/doc-updates.js';
import { createSessionsRepository, type SessionsRepository } from './db/repositories/sessions.js';
import { createShareLinksRepository } from './db/repositories/share-links.js';
import { createUsersRepository } from './db/repositories/users.js';
import { createToolOutputsRepository } from './db/repositories/tool-outputs.js';
import { createLocalSandboxProvider, type LocalSandboxProvider } from './sandbox/local/local-provider.js';
import { prepareSandboxRoot } from './sandbox/local/prepare-sandbox-root.js';
import { LOCAL_SANDBOX_TOOLS, type SandboxTool } from './sandbox/local/sandbox-tools.js';
import { probeHostFacts } from './setup/host-facts.js';
import { decideManualFix } from './setup/install-plan.js';
import { createUnavailableRuntime } from './session/unavailable-runtime.js';
import type { HealthResponse } from '@tandem/shared/protocol/http.js';
import { createSnapshotStore, type SnapshotStore } from './sandbox/local/snapshots.js';
import { createE2bSdkClient } from './sandbox/e2b/e2b-client.js';
import { createE2bSandboxProvider, E2B_SNAPSHOT_FORMAT_VERSION } from './sandbox/e2b/e2b-provider.js';
import { createSnapshotManager, createTemplateSnapshotSource, type SnapshotManager } from './sandbox/snapshot-manager.js';
import { RETIRED_SNAPSHOT_GRACE_MS } from './sandbox/snapshot-collection.js';
import { createWarmPool } from './sandbox/warm-pool.js';
import { createServiceRegistry } from './workspace/services/sandbox-services.js';
import { createSessionRuntime, type SessionRuntime } from './workspace/session-runtime.js';
import { createSessionService } from './session/session-service.js';
import { createSandboxAdmission, DEFAULT_SANDBOX_CAPS, type SandboxAdmit } from './session/sandbox-admission.js';
import { createAgentService, type AgentService } from './agent/agent-service.js';
import { DocHost } from './sync/doc-host.js';
import { AGENT_WRITER } from './workspace/files/workspace-sync.js';
import { createInProcessFanoutBus, type DocFanout } from './sync/fanout.js';
import { createEnvironmentSecretsRepository } from './db/repositories/environment-secrets.js';
import { createSecretsKeyring } from './secrets/secrets-keyring.js';
import { createSecretsStore, type SecretsStore } from './secrets/secrets-store.js';
import { redactingTextGuard, SecretRedactor } from './secrets/secret-redactor.js';
import { redactingLogger } from './secrets/redacting-logger.js';
import { createSessionSecrets, type SessionSecrets } from './secrets/session-secrets.js';
import { createNetworkRepository, type NetworkRepository } from './db/repositories/network.js';
import { createBlueprintRunsRepository } from './db/repositories/blueprint-runs.js';
import { createAddressAllowance } from './network/address-policy.js';
import { DEFAULT_EGRESS_SETTINGS, describeEgressSettings } from './network/egress-settings.js';
import { createSystemResolver, type HostResolver } from './network/host-resolver.js';
import { createSessionNetwork, type SessionNetwork } from './network/session-network.js';
import { createSetupNetwork } from './network/setup-policy.js';
import { createShipping } from './blueprint/ship/shipping.js';
import { GITHUB_DEFAULT_API_URL, GITHUB_DEFAULT_WEB_URL } from './auth/github-sign-in.js';

export interface RunningServer {
  url: string;
  port: number;
  database: DatabaseHandle;
  docHost: DocHost;
  runtime: SessionRuntime | null;
  agents: AgentService;
  /** Environment secrets: sealed in the store, given to sandboxes, redacted from what they print. */
  secrets: SecretsStore;
  /** Where the trees local sandboxes mount live (snapshots/, sandboxes/); null without local sandboxes. */
  sandboxDir: string | null;
  /** Flushes every doc, closes connections (clients reconnect), the HTTP server and the store. */
  close(): Promise<void>;
}

export interface StartOptions {
  logger?: AppLogger;
  /** Nodes given the same fan-out serve the same sessions together. */
  fanout?: DocFanout;
  /** An already-open store (tests share one per file). */
  database?: DatabaseHandle;
  /** Sandboxes and terminals (on by default; tests of the doc alone turn them off). */
  sandboxes?: boolean;
  /** The host tools local sandboxes need (tests name a missing one to see the server start without sandboxes). */
  sandboxTools?: readonly SandboxTool[];
  /**
   * TESTS ONLY: how sandboxes' egress proxies resolve names (createTestResolver maps a test name to a
   * local server). Never set from configuration; production uses the system resolver, which refuses loopback.
   */
  networkResolver?: HostResolver;
  /**
   * TESTS ONLY: how the production resolver looks names up (a test maps a name to an address of its
   * choosing, then every check and TANDEM_EGRESS_ALLOW_ADDRESSES apply as in production).
   */
  networkLookup?: (host: string) => Promise<Array<{ address: string }>>;
}

export const consoleLogger: AppLogger & { info(message: string): void } = {
  error: (message, error) => console.error(`[tandem] ${message}`, error ?? ''),
  info: (message) => console.log(`[tandem] ${message}`),
};

interface SandboxSetup {
  runtime: SessionRuntime;
  health: HealthResponse['sandboxes'];
  sandboxDir: string | null;
}

/**
 * Snapshots and sandbox workspaces live beside the PGlite data (or in TANDEM_DATA_DIR with
 * PostgreSQL) when sandbox uids can reach it, else in a place they can (prepareSandboxRoot). A host
 * without the tools sandboxes need still serves the app: every session says what to install.
 */
async function sandboxRuntime(
  config: Config,
  docHost: DocHost,
  sessions: SessionsRepository,
  logger: AppLogger,
  options: StartOptions,
  admit?: SandboxAdmit,
  secrets?: SessionSecrets,
  network?: { store: NetworkRepository; session: SessionNetwork },
): Promise<SandboxSetup> {
  if (config.sandbox.provider === 'e2b') {
    const provider = createE2bSandboxProvider({ client: createE2bSdkClient() });
    const services = createServiceRegistry({ logger, secrets: secrets && ((repo, environment) => secrets.forServices(repo, environment)) });
    const pool = createWarmPool({ provider: services.provider(provider), size: config.sandbox.warmPoolSize, logger });
    const snapshots = createTemplateSnapshotSource(config.sandbox.e2bTemplate, E2B_SNAPSHOT_FORMAT_VERSION);
    return { runtime: createSessionRuntime({ docHost, sessions, provider: services.provider(provider), snapshots, pool, logger, admit, secrets, services }), health: { state: 'ready', provider: 'e2b' }, sandboxDir: null };
  }
  const dataDir = serverDataDir(config);
  const fix = decideManualFix(probeHostFacts(options.sandboxTools ?? LOCAL_SANDBOX_TOOLS));
  if (fix?.blocksSandboxes) {
    const unavailable = { reason: fix.reason, command: fix.command };
    consoleLogger.info(`sandboxes are off: ${fix.reason}${fix.command ? ` Run once, then restart: ${fix.command}` : ''}`);
    const runtime = createUnavailableRuntime({ docHost, provider: 'local', unavailable, repoPolicy: { roots: config.sandbox.repoRoots, protectedDirs: [dataDir] } });
    return { runtime, health: { state: 'unavailable', provider: 'local', ...unavailable }, sandboxDir: null };
  }
  if (fix) consoleLogger.info(`${fix.reason}${fix.command ? ` To fix it: ${fix.command}` : ''}`);
  const root = await prepareSandboxRoot({ dataDir, configuredDir: config.sandbox.dir });
  if (root.note) consoleLogger.info(root.note);
  for (const line of describeEgressSettings(config.egress ?? DEFAULT_EGRESS_SETTINGS)) consoleLogger.info(line);
  const snapshots = createSnapshotStore({
    dir: path.join(root.treesDir, 'snapshots'),
    allowedRepoRoots: config.sandbox.repoRoots,
    // The store (with the identity signing key), snapshots and workspaces: never a repo.
    protectedDirs: [dataDir, root.treesDir],
    runSetup: async (treeDir, script, repo, toolsDir) => {
      const given = await secrets?.forSetup(treeDir, repo);
      const result = await provider.runSetup(treeDir, script, { repo, env: given?.env, toolsDir });
      // The setup log and a failure's notice quote this output: without the values.
      return given ? { ...result, stdout: given.redactor.redact(result.stdout), stderr: given.redactor.redact(result.stderr) } : result;
    },
  });
  const setupNetwork = network && createSetupNetwork({
      store: network.store,
      configuredHosts: config.sandbox.setupHosts ?? null,
      mirrorHosts: config.egress?.mirrors.hosts,
      redact: (text) => secrets?.serverRedactor.redact(text) ?? text,
      logger,
    });
  const provider = createLocalSandboxProvider({
    dir: path.join(root.treesDir, 'sandboxes'),
    snapshots,
    limits: config.sandbox.limits,
    cgroupParent: config.sandbox.cgroupParent,
    network: {
      resolver: options.networkResolver ?? createSystemResolver(options.networkLookup, createAddressAllowance(config.egress?.allowAddresses ?? [])),
      setupPolicy: setupNetwork?.setupPolicy,
      onSetupAttempt: setupNetwork?.onSetupAttempt,
      upstream: config.egress,
      env: config.egress?.mirrors.env,
    },
  });
  // Every sandbox starts its repo's declared services as it boots, warm ones included.
  const services = createServiceRegistry({ logger, secrets: secrets && ((repo, environment) => secrets.forServices(repo, environment)) });
  const pool = createWarmPool({ provider: services.provider(provider), size: config.sandbox.warmPoolSize, logger });
  const manager = createSnapshotManager({
    store: snapshots,
    pool,
    rebuildIntervalMs: config.sandbox.snapshotRebuildIntervalMs,
    logger: { info: consoleLogger.info, error: logger.error },
    inUse: () => provider.snapshotsInUse(),
    // The grace covers a session booting onto a snapshot it was handed; a short interval (tests) keeps it short too.
    retiredGraceMs: Math.min(RETIRED_SNAPSHOT_GRACE_MS, config.sandbox.snapshotRebuildIntervalMs),
  });
  await reclaimLeftovers(provider, snapshots, manager);
  manager.startSchedule();
  const runtime = createSessionRuntime({
    docHost,
    sessions,
    provider: services.provider(provider),
    snapshots: manager,
    pool,
    logger,
    admit,
    secrets,
    services,
    network: network?.session,
    onClose: {
      before: () => manager.stop(),
      // Whatever is still mounted in our sandboxes folder (a warm-pool sandbox finished booting while
      // the runtime closed) is detached now, not left for the next start.
      after: async () => {
        const report = await provider.reclaim().catch(() => null);
        if (report && !('refused' in report) && report.removed > 0) consoleLogger.info(`stopped: detached ${report.unmounted} mounts of ${report.removed} sandboxes left at shutdown`);
      },
    },
  });
  return {
    runtime,
    health: { state: 'ready', provider: 'local' },
    sandboxDir: root.treesDir,
  };
}

/** What a server killed without cleaning up left behind (mounts, workspaces, half-built and unused snapshots), taken back at start. */
async function reclaimLeftovers(provider: LocalSandboxProvider, snapshots: SnapshotStore, manager: SnapshotManager): Promise<void> {
  const report = await provider.reclaim();
  if ('refused' in report) {
    consoleLogger.info(`not reclaiming leftover sandboxes: ${report.refused}`);
    return;
  }
  const unfinished = await snapshots.removeUnfinished();
  const collected = await manager.collect();
  if (report.removed + unfinished + collected.length > 0) {
    consoleLogger.info(`reclaimed what an earlier run left: ${report.removed} sandbox folders (${report.unmounted} mounts), ${unfinished} unfinished and ${collected.length} unused snapshots`);
  }
  for (const folder of report.kept) consoleLogger.info(`kept ${folder}: something is still mounted in it`);
}

/** Tandem's data dir (the embedded store's, else TANDEM_DATA_DIR): never a repo, never pushed into. */
function serverDataDir(config: Config): string {
  return config.database.kind === 'pglite' ? config.database.dataDir : path.resolve(process.env.TANDEM_DATA_DIR ?? DEFAULT_DATA_DIR);
}

export async function startServer(config: Config, options: StartOptions = {}): Promise<RunningServer> {
  // Whatever the log quotes (a failed command's output), the values sessions here were given are taken out.
  const logRedactor = new SecretRedactor();
  const logger = redactingLogger(options.logger ?? consoleLogger, logRedactor);
  const database = options.database ?? (await openDatabase(config.database));
  const secretsStore = createSecretsStore({
    repository: createEnvironmentSecretsRepository(database.db),
    keyring: createSecretsKeyring({
      masters: createEnvironmentSecretsRepository(database.db).masters,
      envMaster: config.secretsKey?.current,
      previousEnvMaster: config.secretsKey?.previous,
    }),
    logger,
  });
  const sessionSecrets = createSessionSecrets({ store: secretsStore, logRedactor, logger });
  const access = await createServerAccess(config, database);
  const docHost = new DocHost({
    store: createDrizzleDocStore(database.db),
    fanout: options.fanout ?? createInProcessFanoutBus().join(),
    logger,
    // Everything the server writes into a session's doc (transcript, plan, run, network, meta) without its secret values.
    textGuard: (sessionId) => redactingTextGuard(sessionSecrets.redactorFor(sessionId)),
  });
  const sessionsRepository = createSessionsRepository(database.db);
  const toolOutputs = createToolOutputsRepository(database.db);
  const sessions = createSessionService({
    sessions: sessionsRepository,
    shareLinks: createShareLinksRepository(database.db),
    docHost,
    toolOutputs,
  });
  const admit = createSandboxAdmission({
    caps: config.limits?.sandboxes ?? DEFAULT_SANDBOX_CAPS,
    ownerOf: async (sessionId) => (await sessionsRepository.findById(sessionId))?.ownerId,
    docHost,
  });
  const networkStore = createNetworkRepository(database.db);
  const sessionNetwork = createSessionNetwork({
    store: networkStore,
    sessions: sessionsRepository,
    users: createUsersRepository(database.db),
    docHost,
    redact: (sessionId, text) => sessionSecrets.redactorFor(sessionId).redact(text),
    logger,
  });
  const sandboxes =
    options.sandboxes === false ? null : await sandboxRuntime(config, docHost, sessionsRepository, logger, options, admit, sessionSecrets, { store: networkStore, session: sessionNetwork });
  const runtime = sandboxes?.runtime ?? null;
  const agents = createAgentService({
    docHost,
    ...config.agent,
    workspaceFor: async (sessionId) => {
      if (!runtime) throw new Error('this server runs without sandboxes, so the agent has nowhere to work');
      const live = await runtime.ensureStarted(sessionId);
      const files = await live.files;
      return {
        sandbox: live.sandbox,
        // What a tool returns (a file read, a search) goes to the doc, the store and the model: without the session's secret values.
        redact: (text: string) => sessionSecrets.redactorFor(sessionId).redact(text),
        // The agent's file tools go through the doc, like people's edits.
        files: {
          read: (path) => files.readText(path),
          write: (path, content) => files.writeText(path, content, AGENT_WRITER),
          lastWriter: (path) => files.lastWriter(path),
        },
      };
    },
    recordStatus: (sessionId, status) => sessionsRepository.setStatus(sessionId, status),
    redact: (sessionId, text) => sessionSecrets.redactorFor(sessionId).redact(text),
    storeToolOutput: (sessionId, toolUseId, output) => toolOutputs.save(sessionId, toolUseId, sessionSecrets.redactorFor(sessionId).redact(output)),
    readToolOutput: (sessionId, toolUseId) => toolOutputs.find(sessionId, toolUseId),
    logger,
  });
  // The session's work that outlives a request: blueprint runs (restored below, closed on close) and workspace updates.
  const sessionWork = composeSessionWork({
    sessions,
    docHost,
    runtime,
    agents,
    secrets: sessionSecrets,
    shipping: createShipping({
      // A local repo is pushed into only where it could have been snapshotted from.
      repoPolicy: { roots: config.sandbox.repoRoots, protectedDirs: [serverDataDir(config), ...(sandboxes?.sandboxDir ? [sandboxes.sandboxDir] : [])] },
      github: config.github ?? { webUrl: GITHUB_DEFAULT_WEB_URL, apiUrl: GITHUB_DEFAULT_API_URL, gitUrl: GITHUB_DEFAULT_WEB_URL },
      // The commits the server makes for sessions, kept across restarts until pushed (and after).
      commitsDir: path.join(serverDataDir(config), 'commits'),
    }),
    blueprintRuns: createBlueprintRunsRepository(database.db),
    publicUrl: access.access.publicUrl,
    logger,
  });
  const app = createApp({
    access,
    users: createUsersRepository(database.db),
    sessions,
    docHost,
    runtime,
    sandboxHealth: sandboxes?.health ?? { state: 'off' },
    agents,
    toolOutputs,
    secrets: { store: secretsStore, live: sessionSecrets },
    // e2b sandboxes control their network themselves: no Tandem policy to approve or widen there.
    network: sandboxes && config.sandbox.provider === 'local' ? sessionNetwork : null,
    sessionWork,
    clientDir: config.clientDir,
    logger,
  });

  const webSocketServer = new WebSocketServer({ noServer: true, maxPayload: MAX_SYNC_MESSAGE_BYTES });
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const created = serve({ fetch: app.fetch, port: config.port, hostname: config.host, websocket: { server: webSocketServer } }, () =>
      resolve(created),
    );
    created.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;
  // Runs that were running or waiting when the server last stopped go on (a gate waits, a deterministic step reruns).
  const restoring = sessionWork.runs.restoreActive().catch((error: unknown) => logger.error('blueprint runs could not be restored', error));

  return {
    url: `http://${config.host}:${port}`,
    port,
    database,
    docHost,
    runtime,
    agents,
    secrets: secretsStore,
    sandboxDir: sandboxes?.sandboxDir ?? null,
    async close() {
      await restoring;
      await sessionWork.runs.close();
      await agents.close();
      await runtime?.close();
      await docHost.close();
      for (const client of webSocketServer.clients) client.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (!options.database) await database.close();
    },
  };
}
