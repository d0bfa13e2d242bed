import { describe, expect, it } from 'vitest';
import { blueprintSchema } from './blueprint-schema.js';
import { initialEngineState } from './decide-next.js';
import { createRunPersistence } from './run-persistence.js';
import type { RunRecord } from './run-record.js';

/**
 * The write chain of run records: however quickly a run changes state and however the store orders
 * its writes' completions, the record it ends with is the newest one, and an older record never lands
 * after a newer one.
 */

const blueprint = blueprintSchema.parse({ name: 'chain', nodes: [{ kind: 'checks', id: 'checks', title: 'Checks' }] });

function record(runId: string, version: number): RunRecord {
  return {
    id: runId,
    sessionId: 's1',
    repo: '/r',
    blueprint,
    goal: `version ${version}`,
    startedBy: { id: 'u_ada', name: 'Ada' },
    startedAt: 0,
    sessionUrl: 'http://tandem.test/s/s1',
    engine: initialEngineState(blueprint),
    nodeRecords: {},
    actors: [],
    ship: { base: {} },
  };
}
const versionOf = (saved: RunRecord) => Number(saved.goal.split(' ')[1]);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A store whose writes take `delayMs(version)`: the last write to complete is what the row holds. */
function slowStore(delayMs: (version: number) => number, failOn: (version: number) => boolean = () => false) {
  const rows = new Map<string, RunRecord>();
  const landed: Array<{ runId: string; version: number }> = [];
  return {
    rows,
    landed,
    store: {
      async save(saved: RunRecord): Promise<void> {
        const version = versionOf(saved);
        await sleep(delayMs(version));
        if (failOn(version)) throw new Error(`the store refused version ${version}`);
        rows.set(saved.id, saved);
        landed.push({ runId: saved.id, version });
      },
    },
  };
}

describe('the run record write chain', () => {
  it('ends with the last record when quick successive writes would complete newest first', async () => {
    const versions = 20;
    // The older the record, the slower its write: writes that overlapped would land oldest last.
    const { store, rows, landed } = slowStore((version) => (versions - version) * 4);
    const persistence = createRunPersistence(store, { error: () => {} });
    const settled: Array<Promise<void>> = [];
    for (let version = 0; version < versions; version += 1) {
      settled.push(persistence.persist(record('r1', version)));
      await sleep(version % 3); // state changes a few milliseconds apart, some within one turn
    }
    await Promise.all(settled);
    await persistence.flush();
    expect(versionOf(rows.get('r1')!)).toBe(versions - 1);
    const order = landed.map((entry) => entry.version);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(new Set(order).size).toBe(order.length);
    // Changes made while a write was under way cost one more write, not one each.
    expect(order.length).toBeLessThan(versions);
  });

  it('settles each caller once a record at least as new as its own is stored', async () => {
    const { store, rows } = slowStore((version) => (version === 0 ? 40 : 2));
    const persistence = createRunPersistence(store, { error: () => {} });
    const seenAtSettle: number[] = [];
    const settled = [0, 1, 2, 3].map((version) =>
      persistence.persist(record('r1', version)).then(() => {
        seenAtSettle[version] = versionOf(rows.get('r1')!);
      }),
    );
    await Promise.all(settled);
    seenAtSettle.forEach((stored, version) => expect(stored).toBeGreaterThanOrEqual(version));
    expect(versionOf(rows.get('r1')!)).toBe(3);
  });

  it('goes on past a failed write and still ends with the last record; runs do not wait for each other', async () => {
    const { store, rows, landed } = slowStore((version) => (10 - version) * 3, (version) => version === 0);
    const errors: string[] = [];
    const persistence = createRunPersistence(store, { error: (message) => errors.push(message) });
    const settled: Array<Promise<void>> = [];
    for (let version = 0; version < 10; version += 1) {
      settled.push(persistence.persist(record('r1', version)), persistence.persist(record('r2', 100 + version)));
      await sleep(2);
    }
    await Promise.all(settled);
    expect(versionOf(rows.get('r1')!)).toBe(9);
    expect(versionOf(rows.get('r2')!)).toBe(109);
    for (const runId of ['r1', 'r2']) {
      const order = landed.filter((entry) => entry.runId === runId).map((entry) => entry.version);
      expect(order).toEqual([...order].sort((a, b) => a - b));
    }
    expect(errors).toEqual(['blueprint run r1: its state could not be stored']);
  });

  it('stores the record as it was when its write began, not a later mutation made mid-write', async () => {
    const { store, rows } = slowStore(() => 20);
    const persistence = createRunPersistence(store, { error: () => {} });
    const live = record('r1', 0);
    const first = persistence.persist(live);
    await sleep(5); // the write is under way
    live.goal = 'version 7'; // the runner keeps changing its object
    await first;
    expect(versionOf(rows.get('r1')!)).toBe(0);
  });
});
