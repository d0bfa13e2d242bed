import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { addPlanStep, readPlan } from '@tandem/shared/doc/accessors.js';
import { personOrigin } from '@tandem/shared/doc/origins.js';
import { waitFor } from '../../test-support/test-server.js';
import { loadPersistedDoc, PERSIST_RETRY_DELAY_MS } from './doc-persister.js';
import type { DocStore } from './doc-store.js';

/** A person writing from their own tab. */
const AS_PERSON = personOrigin({ id: 'u_person', name: 'A person' });

/** The persister over a store that fails: a batch whose write failed is written again, never dropped. */

/** An in-memory store whose first `failures` appends throw (the database was down for a moment). */
function flakyStore(failures: number) {
  const rows: Array<{ id: number; update: Uint8Array }> = [];
  let nextId = 1;
  let left = failures;
  const attempts = { append: 0, failed: 0 };
  const store: DocStore = {
    async load() {
      return { updates: rows.map((row) => row.update), lastId: rows.at(-1)?.id ?? 0 };
    },
    async append(_sessionId, update) {
      attempts.append += 1;
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (left > 0) {
        left -= 1;
        attempts.failed += 1;
        throw new Error('connection to the database lost');
      }
      const id = nextId++;
      rows.push({ id, update });
      return id;
    },
    async compact(_sessionId, state, throughId) {
      for (let index = rows.length - 1; index >= 0; index -= 1) if (rows[index]!.id <= throughId) rows.splice(index, 1);
      rows.unshift({ id: throughId, update: state });
    },
  };
  return { store, rows, attempts };
}

async function reload(store: DocStore): Promise<Y.Doc> {
  const doc = new Y.Doc();
  (await loadPersistedDoc(store, 's1', doc, { error: () => {} })).detach();
  return doc;
}

describe('the doc persister when the store fails', () => {
  it.each([1, 2])('keeps a batch whose write failed %i time(s) and writes it, with what came meanwhile, once the store is back', async (failures) => {
    const { store, attempts } = flakyStore(failures);
    const errors: string[] = [];
    const doc = new Y.Doc();
    const persister = await loadPersistedDoc(store, 's1', doc, { error: (message) => errors.push(message) });
    try {
      addPlanStep(doc, { id: 'a', title: 'Written while the store was down' }, AS_PERSON);
      await waitFor(() => attempts.failed === 1, 'the first write to fail');
      // More edits while the retry waits: they must go after the failed batch, not instead of it.
      addPlanStep(doc, { id: 'b', title: 'Written while the retry waited' }, AS_PERSON);
      addPlanStep(doc, { id: 'c', title: 'And another' }, AS_PERSON);
      expect(persister.stored).toBe(0);
      await waitFor(() => persister.stored === persister.seen, 'every update to be stored', (failures + 2) * PERSIST_RETRY_DELAY_MS + 5_000);
      expect(persister.seen).toBe(3);
      expect(errors).toHaveLength(failures);
      expect(errors[0]).toContain('could not persist session s1; retrying');
      await persister.flush();
    } finally {
      persister.detach();
    }
    const reloaded = await reload(store);
    expect(readPlan(reloaded).map((step) => step.id)).toEqual(['a', 'b', 'c']);
    expect(Y.encodeStateVector(reloaded)).toEqual(Y.encodeStateVector(doc));
  });

  it('loses nothing when the store fails and nothing else is edited (the retry alone carries the batch)', async () => {
    const { store, rows } = flakyStore(1);
    const doc = new Y.Doc();
    const persister = await loadPersistedDoc(store, 's1', doc, { error: () => {} });
    try {
      addPlanStep(doc, { id: 'only', title: 'The one edit' }, AS_PERSON);
      await waitFor(() => rows.length === 1, 'the retried write', PERSIST_RETRY_DELAY_MS + 5_000);
      expect(persister.stored).toBe(1);
    } finally {
      persister.detach();
    }
    expect(readPlan(await reload(store)).map((step) => step.id)).toEqual(['only']);
  });
});
