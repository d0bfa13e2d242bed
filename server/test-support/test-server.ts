import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import type { IdentityResponse, NewShareLinkResponse, SessionResponse } from '@tandem/shared/protocol/http.js';
import type { ShareRole } from '@tandem/shared/roles.js';
import type { Config } from '../src/config.js';
import { DEFAULT_RUN_BUDGET } from '../src/agent/agent-service.js';
import { openDatabase, type DatabaseHandle } from '../src/db/database.js';
import { startServer, type RunningServer, type StartOptions } from '../src/server.js';

export const quietLogger = { error: () => {} };

export async function makeTempDir(prefix: string): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), `tandem-${prefix}-`));
}

export function testConfig(dataDir: string, port = 0): Config {
  return {
    port,
    host: '127.0.0.1',
    database: { kind: 'pglite', dataDir },
    clientDir: path.join(dataDir, 'no-client-build'),
    sandbox: { provider: 'local', e2bTemplate: 'base', warmPoolSize: 1, snapshotRebuildIntervalMs: 30 * 60_000, repoRoots: [process.cwd()] },
    // No key: the agent is off unless a test points it at a fake Messages API.
    agent: {
      model: { model: 'claude-test', requestTimeoutMs: 30_000, streamIdleTimeoutMs: 1_000 },
      budget: DEFAULT_RUN_BUDGET,
      retry: { budget: 2, baseDelayMs: 20 },
    },
  };
}

/** A PGlite store in a fresh directory, shared by the tests of one file (opening one takes seconds). */
export async function openTempDatabase(): Promise<{ database: DatabaseHandle; dataDir: string; dispose(): Promise<void> }> {
  const dataDir = await makeTempDir('db');
  const database = await openDatabase({ kind: 'pglite', dataDir });
  return {
    database,
    dataDir,
    async dispose() {
      await database.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export async function startTestServer(dataDir: string, options: StartOptions = {}, port = 0, configure: (config: Config) => Config = (config) => config): Promise<RunningServer> {
  return startServer(configure(testConfig(dataDir, port)), { logger: quietLogger, sandboxes: false, ...options });
}

/** Points the agent at a fake Messages API (test-support/fake-anthropic.ts) through the real SDK. */
export function withModelAt(baseUrl: string, apiKey: string) {
  return (config: Config): Config => ({ ...config, agent: { ...config.agent, model: { ...config.agent.model, baseUrl, apiKey } } });
}

/** A small typed client of /api, as the browser uses it. */
export function apiClient(baseUrl: string) {
  const call = async <T>(method: string, route: string, token?: string, body?: unknown) => {
    const response = await fetch(`${baseUrl}/api${route}`, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (response.status === 204 ? null : await response.json()) as T;
    return { status: response.status, body: json };
  };
  return {
    call,
    async identity(name: string): Promise<IdentityResponse> {
      const result = await call<IdentityResponse>('POST', '/identity', undefined, { name });
      if (result.status !== 201) throw new Error(`identity failed: ${JSON.stringify(result.body)}`);
      return result.body;
    },
    async createSession(token: string, title = 'Fix the flaky test', repo = 'examples/hello'): Promise<string> {
      const result = await call<SessionResponse>('POST', '/sessions', token, { title, repo });
      if (result.status !== 201) throw new Error(`create failed: ${JSON.stringify(result.body)}`);
      return result.body.session.id;
    },
    async share(token: string, sessionId: string, role: ShareRole) {
      const result = await call<NewShareLinkResponse>('POST', `/sessions/${sessionId}/links`, token, { role });
      if (result.status !== 201) throw new Error(`share failed: ${JSON.stringify(result.body)}`);
      return result.body.link;
    },
    async join(token: string, linkToken: string) {
      return call<SessionResponse>('POST', '/join', token, { token: linkToken });
    },
  };
}

export interface TestPeer {
  doc: Y.Doc;
  provider: WebsocketProvider;
  /** Close codes the provider saw, in order. */
  closeCodes: number[];
  destroy(): void;
}

/** The stock y-websocket client, from Node over `ws`, exactly as a browser tab uses it. */
export function connectPeer(baseUrl: string, sessionId: string, token: string | undefined): TestPeer {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(`${baseUrl.replace(/^http/, 'ws')}/sync`, sessionId, doc, {
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    params: token ? { token } : {},
    disableBc: true,
    maxBackoffTime: 200,
  });
  const closeCodes: number[] = [];
  provider.on('connection-close', (event) => {
    if (event) closeCodes.push(event.code);
  });
  return {
    doc,
    provider,
    closeCodes,
    destroy() {
      provider.destroy();
      doc.destroy();
    },
  };
}

export async function waitFor(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export function waitForSync(peer: TestPeer): Promise<void> {
  return waitFor(() => peer.provider.synced, 'sync');
}
