import { rm } from 'node:fs/promises';
import type { Config } from '../server/src/config.js';
import { loadConfig } from '../server/src/config.js';
import { startServer, type RunningServer } from '../server/src/server.js';
import { FAKE_API_KEY } from '../server/test-support/fake-anthropic.js';
import { apiClient, makeTempDir, testConfig, withModelAt } from '../server/test-support/test-server.js';

/** The model the eval runs against: the configured one, or the local fake Messages API. */
export type EvalModel = { kind: 'fake'; baseUrl: string; name: string } | { kind: 'anthropic'; name: string };

/** The server's own errors are shown: an eval must not hide a failed boot behind a failed task. */
const evalLogger = { error: (message: string, error?: unknown) => console.error(`[tandem] ${message}`, error ?? '') };

/**
 * A real Tandem server in this process, as the integration tests start one: a PGlite store in a temp
 * directory, real local sandboxes, port 0, and the task repos' folder as its one repo root.
 */
export async function startEvalServer(reposDir: string, model: EvalModel): Promise<{ server: RunningServer; api: ReturnType<typeof apiClient>; close(): Promise<void> }> {
  const dataDir = await makeTempDir('eval');
  const base = testConfig(dataDir);
  const withRepos: Config = { ...base, sandbox: { ...base.sandbox, repoRoots: [reposDir] } };
  const config: Config =
    model.kind === 'fake'
      ? (({ agent, ...rest }) => ({ ...rest, agent: { ...agent, model: { ...agent.model, model: model.name } } }))(withModelAt(model.baseUrl, FAKE_API_KEY)(withRepos))
      : // As `npm start` reads them: ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL, TANDEM_MODEL and the agent budget variables.
        { ...withRepos, agent: loadConfig(process.env).agent };
  const server = await startServer(config, { logger: evalLogger });
  return {
    server,
    api: apiClient(server.url),
    async close() {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
