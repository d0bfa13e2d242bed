import { Sandbox as E2bSdkSandbox } from 'e2b';

/**
 * The part of the e2b SDK the provider uses, named so a unit test can hand in a fake object (the
 * SDK's in-sandbox protocol cannot practically be faked on the wire).
 */
export interface E2bCommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}
export interface E2bCommandHandle {
  pid: number;
  wait(): Promise<E2bCommandResult>;
  kill(): Promise<boolean>;
}
export interface E2bEntry {
  path: string;
  type?: string;
  size: number;
}
export interface E2bSandboxLike {
  sandboxId: string;
  commands: {
    run(
      command: string,
      options: {
        cwd?: string;
        envs?: Record<string, string>;
        timeoutMs?: number;
        background?: boolean;
        stdin?: boolean;
        onStdout?: (data: string) => void;
        onStderr?: (data: string) => void;
      },
    ): Promise<E2bCommandResult | E2bCommandHandle>;
    sendStdin(pid: number, data: string): Promise<void>;
  };
  pty: {
    create(options: { cols: number; rows: number; cwd?: string; envs?: Record<string, string>; timeoutMs?: number; onData: (data: Uint8Array) => void }): Promise<E2bCommandHandle>;
    sendInput(pid: number, data: Uint8Array): Promise<void>;
    resize(pid: number, size: { cols: number; rows: number }): Promise<void>;
    kill(pid: number): Promise<boolean>;
  };
  files: {
    read(path: string, options: { format: 'bytes' }): Promise<Uint8Array>;
    write(path: string, data: string | ArrayBuffer): Promise<unknown>;
    list(path: string, options?: { depth?: number }): Promise<E2bEntry[]>;
    watchDir(path: string, onEvent: (event: { name: string }) => void, options?: { recursive?: boolean }): Promise<{ stop(): Promise<void> | void }>;
  };
  createSnapshot?(): Promise<{ snapshotId: string }>;
  pause(): Promise<boolean>;
  kill(): Promise<boolean>;
}

export interface E2bClient {
  create(template: string, options: { timeoutMs: number; metadata: Record<string, string>; allowInternetAccess: boolean }): Promise<E2bSandboxLike>;
  connect(sandboxId: string): Promise<E2bSandboxLike>;
}

/** The real SDK. It reads E2B_API_KEY (and E2B_DOMAIN / E2B_API_URL) from the environment. */
export function createE2bSdkClient(): E2bClient {
  return {
    create: async (template, options) => (await E2bSdkSandbox.create(template, options)) as unknown as E2bSandboxLike,
    connect: async (sandboxId) => (await E2bSdkSandbox.connect(sandboxId)) as unknown as E2bSandboxLike,
  };
}
