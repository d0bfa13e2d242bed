import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { reclaimLeftoverSandboxes } from '../src/sandbox/local/leftover-sandboxes.js';

/** Finds a free port on loopback so a restarted server can come back on the same address. */
export async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** How long a server process gets to say it is ready: opening PGlite can take minutes on a loaded 2-core machine. */
export const SERVER_START_TIMEOUT_MS = 180_000;

/** The real server process (`server/src/index.ts`, as `npm start` runs it) on the built client. */
export class TandemServer {
  private child: ChildProcess | null = null;
  private output = '';

  private constructor(
    readonly port: number,
    readonly dataDir: string,
    private readonly extraEnv: Record<string, string>,
  ) {}

  /** `extraEnv` adds to the environment the server starts with (e.g. a fake model's address). */
  static async create(extraEnv: Record<string, string> = {}): Promise<TandemServer> {
    return new TandemServer(await freeLoopbackPort(), await mkdtemp(path.join(os.tmpdir(), 'tandem-e2e-')), extraEnv);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.output = '';
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/src/index.ts'], {
      // The model is configured per test: a key in the developer's shell must not reach the test server.
      env: { ...process.env, ANTHROPIC_API_KEY: '', ANTHROPIC_BASE_URL: '', PORT: String(this.port), HOST: '127.0.0.1', TANDEM_DATA_DIR: this.dataDir, DATABASE_URL: '', ...this.extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    const deadline = Date.now() + SERVER_START_TIMEOUT_MS;
    while (!this.output.includes('ready on')) {
      if (child.exitCode !== null) throw new Error(`server exited (${child.exitCode}):\n${this.output}`);
      if (Date.now() > deadline) throw new Error(`server did not start in ${SERVER_START_TIMEOUT_MS / 1000} s:\n${this.output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** SIGTERM, as an operator would: the server saves every session before it exits. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    await exited;
    this.child = null;
  }

  /** SIGKILL, as a crash or the OOM killer would: the server gets no chance to clean up. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
    this.child = null;
  }

  /** What the server printed since it was last started. */
  get log(): string {
    return this.output;
  }

  async dispose(): Promise<void> {
    await this.stop();
    // A sandbox of a server this test killed (-9) may still be mounted here if no later start reclaimed it.
    await reclaimLeftoverSandboxes(path.join(this.dataDir, 'sandboxes'), new Set()).catch(() => {});
    await rm(this.dataDir, { recursive: true, force: true });
  }
}
