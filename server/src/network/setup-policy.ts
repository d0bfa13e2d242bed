import type { NetworkRepository } from '../db/repositories/network.js';
import { setupScope } from '../db/repositories/network.js';
import { readRepoEnvironment } from '../environment/repo-environment.js';
import { defaultSetupPolicy } from '../sandbox/local/local-provider.js';
import type { NetworkPolicy } from './connection-policy.js';
import { redactAttempt, type ProxyAttempt } from './egress-proxy.js';

/**
 * The setup policy of a snapshot build: the operator's hosts (or the ecosystem registries), widened
 * by the repo's own `network.setup` once someone who owns a session of the repo approved that exact
 * file. Setup runs before any session of the new snapshot exists, so an approval given later takes
 * effect at the next build.
 */
export function createSetupNetwork(deps: {
  store: NetworkRepository;
  configuredHosts: readonly string[] | null;
  /** The hosts of the registry mirrors configured on the server. */
  mirrorHosts?: readonly string[];
  /** Knows every secret value setup runs were given. */
  redact: (text: string) => string;
  logger: { error(message: string, error?: unknown): void };
}) {
  return {
    async setupPolicy(treeDir: string, repo: string | undefined): Promise<NetworkPolicy> {
      const file = await readRepoEnvironment(treeDir).catch(() => null);
      const approved = file && repo !== undefined ? await deps.store.isApproved(repo, file.hash, null) : false;
      return defaultSetupPolicy(treeDir, deps.configuredHosts, approved ? (file?.environment.network?.setup ?? []) : [], deps.mirrorHosts);
    },
    onSetupAttempt(repo: string | undefined, attempt: ProxyAttempt): void {
      if (repo === undefined) return;
      deps.store
        .recordAttempt({ ...redactAttempt(attempt, deps.redact), scope: setupScope(repo), sessionId: null })
        .catch((error: unknown) => deps.logger.error(`setup of ${repo}: a network attempt could not be recorded`, error));
    },
  };
}
