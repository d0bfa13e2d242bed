import { execFile } from 'node:child_process';
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../test-support/test-server.js';
import { buildSandboxCommand, DEFAULT_SANDBOX_LIMITS, groupFileContents, passwdFileContents } from '../sandbox/local/bwrap-command.js';
import type { ProxyAttempt } from './egress-proxy.js';
import { createSystemResolver } from './host-resolver.js';
import { decideRelayProgram, startSandboxNetwork, type RelayProgram } from './sandbox-network.js';

/** Both relays (socat where the host has it, node elsewhere) bridge a sandbox's loopback to its proxy. */

const UID = 64_997;
let dir: string;
let command: { uid: number; passwdFile: string; groupFile: string; limits: typeof DEFAULT_SANDBOX_LIMITS; tmp: { kind: 'sized-tmpfs' }; extraReadOnlyDirs: string[] };

beforeAll(async () => {
  dir = await makeTempDir('relay');
  await chmod(dir, 0o711);
  await writeFile(path.join(dir, 'passwd'), passwdFileContents(UID));
  await writeFile(path.join(dir, 'group'), groupFileContents(UID));
  await mkdir(path.join(dir, 'workspace'), { mode: 0o777 });
  await chmod(path.join(dir, 'workspace'), 0o777);
  command = { uid: UID, passwdFile: path.join(dir, 'passwd'), groupFile: path.join(dir, 'group'), limits: DEFAULT_SANDBOX_LIMITS, tmp: { kind: 'sized-tmpfs' }, extraReadOnlyDirs: [path.dirname(path.dirname(process.execPath))] };
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the relay inside a sandbox', () => {
  it('is socat when the host has it, else node', () => {
    expect(decideRelayProgram(true)).toBe('socat');
    expect(decideRelayProgram(false)).toBe('node');
    expect(decideRelayProgram(true, 'node')).toBe('node');
  });

  it.each(['socat', 'node'] as RelayProgram[])('%s: a process joined to the namespace reaches the proxy on 127.0.0.1:3128, and nothing else', async (relay) => {
    const network = await startSandboxNetwork({ dir: path.join(dir, `net-${relay}`), command, resolver: createSystemResolver(), relay });
    const attempts: ProxyAttempt[] = [];
    network.onAttempt((attempt) => attempts.push(attempt));
    try {
      const { file, args, env } = buildSandboxCommand(
        { ...command, workspaceHostDir: path.join(dir, 'workspace'), networkNamespace: network.namespacePath, networkEnv: network.env, env: {}, newSession: true },
        ['bash', '-c', "curl -s -m 10 -w ' %{http_code}' http://example.invalid/ | tr '\n' ' '; echo; (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null && echo db-open || echo db-closed"],
      );
      const { stdout } = await promisify(execFile)(file, args, { env });
      expect(stdout).toContain("example.invalid:80 is not in this session's network policy");
      expect(stdout).toMatch(/ 403\ndb-closed\n$/);
      expect(attempts).toMatchObject([{ host: 'example.invalid', port: 80, allowed: false }]);
    } finally {
      await network.close();
    }
  });
});
