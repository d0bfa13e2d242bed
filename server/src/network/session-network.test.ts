import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as Y from 'yjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNetworkRepository } from '../db/repositories/network.js';
import { users } from '../db/schema.js';
import { ENVIRONMENT_FILE_PATH, parseRepoEnvironment } from '../environment/repo-environment.js';
import type { Sandbox } from '../sandbox/provider.js';
import { createLocalSandboxHarness } from '../../test-support/local-sandbox.js';
import { makeTempDir, openTempDatabase } from '../../test-support/test-server.js';
import { decideConnection, type NetworkPolicy } from './connection-policy.js';
import { createSessionNetwork } from './session-network.js';

/**
 * A session's network follows the repo's environment file as the snapshot has it (what the owner
 * approved), never the live workspace's copy an editor or the agent can rewrite: a real local sandbox
 * (overlay over the snapshot), a process in it rewriting `.tandem/environment.json` to widen the
 * network before the session's network reads the file.
 */

const BASE_TEXT = `${JSON.stringify({ network: { session: ['allowed.test'] } }, null, 2)}\n`;
// A wider version of the file the owner approved once (an older commit of the repo, say).
const WIDER_TEXT = `${JSON.stringify({ network: { session: ['allowed.test', 'evil.test'] } }, null, 2)}\n`;
const OWNER = { id: 'u_ada', name: 'Ada' };

let harness: Awaited<ReturnType<typeof createLocalSandboxHarness>>;
let database: Awaited<ReturnType<typeof openTempDatabase>>;
let repo: string;

beforeAll(async () => {
  const reposDir = await makeTempDir('network-base-repos');
  repo = path.join(reposDir, 'widening');
  await mkdir(path.join(repo, '.tandem'), { recursive: true });
  await writeFile(path.join(repo, 'README.md'), '# widening\n');
  await writeFile(path.join(repo, ENVIRONMENT_FILE_PATH), BASE_TEXT);
  harness = await createLocalSandboxHarness({ repo, repoRoots: [reposDir] });
  database = await openTempDatabase();
  await database.database.db.insert(users).values(OWNER);
});
afterAll(async () => {
  await database?.dispose();
  await harness?.dispose();
});

describe("a session's network policy", () => {
  it("follows the snapshot's approved environment file, not the live workspace's edited copy", async () => {
    const store = createNetworkRepository(database.database.db);
    const baseHash = parseRepoEnvironment(BASE_TEXT).hash;
    const widerHash = parseRepoEnvironment(WIDER_TEXT).hash;
    await store.approve(repo, baseHash, OWNER.id);
    await store.approve(repo, widerHash, OWNER.id);
    const doc = new Y.Doc();
    const deps: Omit<Parameters<typeof createSessionNetwork>[0], 'redact'> = {
      store,
      sessions: { findById: async () => ({ repo, ownerId: OWNER.id }) },
      users: { findById: async () => ({ name: OWNER.name }) },
      docHost: { change: async (_id, apply) => apply(doc), apply: async (_id, apply) => apply(doc) },
      logger: { error: () => {} },
    };
    // The session's redactor, where the network has one (nothing here is secret).
    const network = createSessionNetwork(Object.assign(deps, { redact: (_sessionId: string, text: string) => text }));
    const sandbox = await harness.open();
    try {
      // An editor's terminal (or the agent) rewrites the file in the live workspace.
      const edit = await sandbox.exec(`printf '%s' '${WIDER_TEXT}' > ${ENVIRONMENT_FILE_PATH}`);
      expect(edit.exitCode).toBe(0);
      expect(new TextDecoder().decode(await sandbox.readFile(ENVIRONMENT_FILE_PATH))).toBe(WIDER_TEXT);

      const policies: NetworkPolicy[] = [];
      const control = sandbox.network!;
      const observed = Object.create(sandbox, {
        network: { value: { setPolicy: (policy: NetworkPolicy) => (policies.push(policy), control.setPolicy(policy)), onAttempt: control.onAttempt.bind(control) } },
      }) as Sandbox;
      await network.attach('s1', observed);

      const policy = policies.at(-1)!;
      expect(policy.rules.map((rule) => rule.pattern)).toEqual(['allowed.test']);
      expect(decideConnection(policy, 'allowed.test', 443).allowed).toBe(true);
      expect(decideConnection(policy, 'evil.test', 443)).toMatchObject({ allowed: false, reason: "evil.test:443 is not in this session's network policy" });
      // Through the sandbox's real proxy: refused by the policy (before any name lookup).
      const curl = await sandbox.exec("curl -s -m 10 -w ' %{http_code}' http://evil.test/ | tr '\\n' ' '");
      expect(curl.stdout).toMatch(/evil\.test:80 is not in this session's network policy.* 403$/);

      // The approval screen shows the owner the snapshot's file, and approving the edited one is refused as changed.
      const approval = await network.approval('s1', true);
      expect(approval).toMatchObject({ approved: true, file: { text: BASE_TEXT, hash: baseHash }, network: { session: ['allowed.test'] } });
      expect(await network.approve('s1', OWNER.id, OWNER.name, widerHash)).toBe('changed');
    } finally {
      network.detach('s1');
      await sandbox.close();
    }
  }, 120_000);
});
