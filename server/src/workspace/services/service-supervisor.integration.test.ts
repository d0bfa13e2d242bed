import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceStatus } from '@tandem/shared/doc/schema.js';
import { createLocalSandboxHarness } from '../../../test-support/local-sandbox.js';
import { waitFor } from '../../../test-support/test-server.js';
import type { Sandbox, SnapshotRef } from '../../sandbox/provider.js';
import { createServiceRegistry } from './sandbox-services.js';
import { ServiceSupervisor } from './service-supervisor.js';

const WITH_POSTGRES = path.resolve('examples/with-postgres');
const logger = { error: () => {} };

let harness: Awaited<ReturnType<typeof createLocalSandboxHarness>>;
let postgresSnapshot: SnapshotRef;
const opened: Sandbox[] = [];
beforeAll(async () => {
  harness = await createLocalSandboxHarness();
  postgresSnapshot = await harness.snapshots.build(WITH_POSTGRES);
}, 120_000);
afterAll(async () => {
  await Promise.all(opened.map((sandbox) => sandbox.close()));
  await harness?.dispose();
});

async function boot(registry: ReturnType<typeof createServiceRegistry>, snapshot: SnapshotRef) {
  const sandbox = await registry.provider(harness.provider).create({ sessionId: 'test', snapshot });
  opened.push(sandbox);
  const services = await registry.of(sandbox.id)!;
  return { sandbox, services, status: (name: string): ServiceStatus | undefined => services.supervisor.statuses().find((status) => status.name === name) };
}

describe('services declared by a repo', () => {
  it('starts PostgreSQL in the sandbox as it boots, and the repo tests that need it pass', async () => {
    const registry = createServiceRegistry({ logger });
    const { sandbox, services, status } = await boot(registry, postgresSnapshot);
    await waitFor(() => status('postgres')?.state !== 'starting', 'postgres started', 60_000);
    // On failure, the log says why.
    expect(status('postgres'), services.supervisor.logByTerminalId('service-postgres')?.tail()).toMatchObject({ state: 'ready' });
    expect(status('postgres')).toMatchObject({ state: 'ready', terminalId: 'service-postgres', restarts: 0 });
    const run = await sandbox.exec('npm test 2>&1', { timeoutMs: 60_000 });
    expect(run.stdout).toMatch(/# pass 2/);
    expect(run.exitCode).toBe(0);
    expect(services.supervisor.logByTerminalId('service-postgres')!.tail()).toMatch(/database system is ready to accept connections/);
  }, 120_000);

  it('fails a service whose ready check never passes, with the end of its log, and an editor can start it again', async () => {
    const sandbox = await harness.open();
    opened.push(sandbox);
    const supervisor = new ServiceSupervisor(sandbox, [{ name: 'stuck', command: 'echo "listening soon on 4999"; sleep 300', ready: { port: 4999 } }], { logger, readyTimeoutMs: 1_500 });
    const changes: ServiceStatus[][] = [];
    supervisor.onChange((statuses) => changes.push(statuses));
    supervisor.start();
    await supervisor.settled();
    const [stuck] = supervisor.statuses();
    expect(stuck).toMatchObject({ state: 'failed', message: 'stuck: its ready check did not pass in time' });
    expect(stuck!.logTail).toMatch(/listening soon on 4999/);
    expect(changes.map((statuses) => statuses[0]!.state)).toEqual(['starting', 'failed']);
    expect(supervisor.restart('stuck')).toBe(true);
    expect(supervisor.statuses()[0]).toMatchObject({ state: 'starting', restarts: 1 });
    expect(supervisor.restart('nope')).toBe(false);
    supervisor.stop();
  }, 30_000);

  it('a service that ends before it is ready is failed with its exit code; a ready one that exits crashes and comes back', async () => {
    const sandbox = await harness.open();
    opened.push(sandbox);
    const supervisor = new ServiceSupervisor(
      sandbox,
      [
        { name: 'broken', command: 'echo "no such config" >&2; exit 3', ready: { command: 'false' } },
        // Ready at once, then ends after a moment: the second run finds the marker file and stays up.
        { name: 'flaky', command: 'if [ -f .flaky-ran ]; then sleep 300; else touch .flaky-ran; sleep 1; exit 9; fi', ready: { command: 'true' } },
      ],
      { logger, automaticRestartDelayMs: 200 },
    );
    const seen = new Set<string>();
    supervisor.onChange((statuses) => statuses.forEach((status) => seen.add(`${status.name}:${status.state}`)));
    supervisor.start();
    await waitFor(() => supervisor.statuses()[1]?.state === 'ready' && supervisor.statuses()[1]?.restarts === 1, 'flaky back', 20_000);
    const [broken, flaky] = supervisor.statuses();
    expect(broken).toMatchObject({ state: 'failed', exitCode: 3, message: 'broken: it exited with code 3 before it was ready' });
    expect(broken!.logTail).toMatch(/no such config/);
    expect(seen).toContain('flaky:crashed');
    expect(flaky).toMatchObject({ state: 'ready', restarts: 1 });
    supervisor.stop();
  }, 30_000);
});
