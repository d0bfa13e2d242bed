import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { IdentityResponse } from '../../../shared/src/protocol/http.js';
import {
  DESCRIBE_SHELL_DESCRIPTORS,
  INJECTED_OUTPUT,
  INJECTION_DONE,
  LIST_OWN_DESCRIPTORS,
  OWN_DESCRIPTORS_LINE,
  parseDescriptors,
  SHELL_DESCRIPTORS_LINE,
  TYPE_INTO_EVERY_DESCRIPTOR,
} from '../../test-support/attacks/descriptor-leak.js';
import { openSessionShell, type SessionShell } from '../../test-support/attacks/shell.js';
import { EXAMPLE_REPO } from '../../test-support/local-sandbox.js';
import { serverForFile } from '../../test-support/server-per-file.js';

/**
 * From a sandbox into other sessions (issue 9): one real server, real bwrap sandboxes, two people in
 * two sessions. Eve attacks from her own sandbox's shell; Ada's session must notice nothing.
 */
// Starting a server with sandboxes builds a snapshot; on a busy machine that outlasts the default hook timeout.
vi.setConfig({ hookTimeout: 120_000 });
const shared = serverForFile('sandbox-escape');
const shells: SessionShell[] = [];
let ada: IdentityResponse;
let eve: IdentityResponse;

beforeAll(async () => {
  [ada, eve] = await Promise.all([shared.api.identity('Ada'), shared.api.identity('Eve')]);
});
afterAll(() => shells.forEach((shell) => shell.close()));

async function sessionShell(person: IdentityResponse, title: string) {
  const sessionId = await shared.api.createSession(person.token, title, EXAMPLE_REPO);
  const shell = await openSessionShell(shared.server.url, sessionId, person.token);
  shells.push(shell);
  return { sessionId, shell };
}

describe('descriptors of the server never cross into a sandbox', () => {
  it('a shell sees only its own stdio, in its terminal and through exec, while other sessions’ terminals are open', async () => {
    const bystanders = await Promise.all([sessionShell(ada, 'Ada works'), sessionShell(ada, 'Ada works more')]);
    const attacker = await sessionShell(eve, 'Eve looks around');
    await Promise.all(bystanders.map(({ shell }) => shell.echoMs()));

    const inTerminal = parseDescriptors(await attacker.shell.run(LIST_OWN_DESCRIPTORS, OWN_DESCRIPTORS_LINE));
    expect(inTerminal).toEqual([0, 1, 2, 3]);
    const targets = SHELL_DESCRIPTORS_LINE.exec(await attacker.shell.run(DESCRIBE_SHELL_DESCRIPTORS, SHELL_DESCRIPTORS_LINE))![1]!;
    expect(targets).not.toMatch(/ptmx|socket|pipe/);

    const live = await shared.server.runtime!.ensureStarted(attacker.sessionId, EXAMPLE_REPO);
    const throughExec = await live.sandbox.exec(LIST_OWN_DESCRIPTORS);
    expect(parseDescriptors(throughExec.stdout)).toEqual([0, 1, 2, 3]);
  }, 90_000);

  it('writing to every descriptor number from one sandbox types nothing into another session’s terminal', async () => {
    const victim = await sessionShell(ada, 'Ada’s shell');
    const attacker = await sessionShell(eve, 'Eve types everywhere');
    await victim.shell.echoMs();

    await attacker.shell.run(TYPE_INTO_EVERY_DESCRIPTOR, INJECTION_DONE, 30_000);
    // Ada's terminal takes input in order: anything injected before this marker has run by the time it prints.
    await victim.shell.echoMs();
    expect(victim.shell.output()).not.toContain('INJECTED');
    expect(attacker.shell.output()).not.toContain(INJECTED_OUTPUT);
  }, 90_000);
});
