import { expect, it } from 'vitest';
import { addPlanStep, readPlan } from '@tandem/shared/doc/accessors.js';
import { Origin } from '@tandem/shared/doc/origins.js';
import { DocHost } from './doc-host.js';
import type { DocStore } from './doc-store.js';
import type { DocFanout } from './fanout.js';

/** A store whose appends wait until `open()` is called (the database is slow). */
function slowStore() {
  const waiting: Array<() => void> = [];
  let nextId = 1;
  const store: DocStore = {
    load: async () => ({ updates: [], lastId: 0 }),
    append: () => new Promise<number>((resolve) => waiting.push(() => resolve(nextId++))),
    compact: async () => {},
  };
  return { store, open: () => waiting.splice(0).forEach((release) => release()) };
}

const fanout: DocFanout = { publish: () => {}, subscribe: () => () => {} };

it('reads a doc without going through the write path: a read does not wait for the store, a change does', async () => {
  const { store, open } = slowStore();
  const host = new DocHost({ store, fanout, logger: { error: () => {} }, idleUnloadMs: 60_000 });
  let changed = false;
  const change = host.change('s1', (doc) => addPlanStep(doc, { id: 'a', title: 'Reproduce' }, Origin.server)).then(() => (changed = true));
  // The change is in the doc at once; its promise waits for the store.
  expect(await host.read('s1', readPlan)).toEqual([expect.objectContaining({ id: 'a', title: 'Reproduce' })]);
  expect(changed).toBe(false);
  open();
  await change;
  expect(changed).toBe(true);
  open();
  await host.close();
});
