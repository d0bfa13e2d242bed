import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { addPlanStep, readPlan } from '@tandem/shared/doc/accessors.js';
import { Origin, personOrigin } from '@tandem/shared/doc/origins.js';
import { COMPACT_AFTER_UPDATES, loadPersistedDoc } from './doc-persister.js';
import type { DocStore } from './doc-store.js';

/** A person writing from their own tab. */
const AS_PERSON = personOrigin({ id: 'u_person', name: 'A person' });

const silent = { error: () => {} };

/**
 * What every DocStore must do, run against each implementation. `setup` gives a store and a function
 * that creates the session row its updates belong to.
 */
export function docStoreContract(name: string, setup: () => { store: DocStore; createSession(): Promise<string> } | undefined) {
  describe(`DocStore contract: ${name}`, () => {
    it('returns nothing for a session with no updates', async (context) => {
      const target = setup();
      if (!target) return context.skip();
      const sessionId = await target.createSession();
      expect(await target.store.load(sessionId)).toEqual({ updates: [], lastId: 0 });
    });

    it('keeps every edit across a reload, in order', async (context) => {
      const target = setup();
      if (!target) return context.skip();
      const sessionId = await target.createSession();
      const doc = new Y.Doc();
      const persister = await loadPersistedDoc(target.store, sessionId, doc, silent);
      for (let index = 0; index < 25; index += 1) addPlanStep(doc, { id: `s${index}`, title: `Step ${index}` }, AS_PERSON);
      await persister.flush();
      persister.detach();

      const reloaded = new Y.Doc();
      (await loadPersistedDoc(target.store, sessionId, reloaded, silent)).detach();
      expect(readPlan(reloaded).map((step) => step.title)).toEqual(readPlan(doc).map((step) => step.title));
      expect(readPlan(reloaded)).toHaveLength(25);
    });

    it('stores a burst of edits made in one turn with one write', async (context) => {
      const target = setup();
      if (!target) return context.skip();
      const sessionId = await target.createSession();
      const doc = new Y.Doc();
      const persister = await loadPersistedDoc(target.store, sessionId, doc, silent);
      const committed: number[] = [];
      persister.onStored((stored) => committed.push(stored));
      for (let index = 0; index < 500; index += 1) addPlanStep(doc, { id: `s${index}`, title: `Step ${index}` }, AS_PERSON);
      expect(persister.seen).toBe(500);
      await persister.flush();
      persister.detach();
      expect(committed).toEqual([500]);
      expect((await target.store.load(sessionId)).updates).toHaveLength(1);
    });

    it('compacts the log into one row and loses nothing', async (context) => {
      const target = setup();
      if (!target) return context.skip();
      const sessionId = await target.createSession();
      const doc = new Y.Doc();
      const persister = await loadPersistedDoc(target.store, sessionId, doc, silent);
      for (let index = 0; index < COMPACT_AFTER_UPDATES + 10; index += 1) {
        addPlanStep(doc, { id: `s${index}`, title: `Step ${index}` }, AS_PERSON);
        await persister.flush(); // one row per edit, so compaction must kick in
      }
      persister.detach();
      const stored = await target.store.load(sessionId);
      expect(stored.updates.length).toBeLessThan(20);
      const reloaded = new Y.Doc();
      Y.applyUpdate(reloaded, Y.mergeUpdates(stored.updates));
      expect(readPlan(reloaded)).toHaveLength(COMPACT_AFTER_UPDATES + 10);
    });

    it('does not write back what it loaded or what another node sent', async (context) => {
      const target = setup();
      if (!target) return context.skip();
      const sessionId = await target.createSession();
      const first = new Y.Doc();
      const persister = await loadPersistedDoc(target.store, sessionId, first, silent);
      addPlanStep(first, { id: 'a', title: 'A' }, AS_PERSON);
      await persister.flush();
      persister.detach();

      const second = new Y.Doc();
      const reloaded = await loadPersistedDoc(target.store, sessionId, second, silent);
      const remote = new Y.Doc();
      addPlanStep(remote, { id: 'b', title: 'B' }, AS_PERSON);
      Y.applyUpdate(second, Y.encodeStateAsUpdate(remote), Origin.remoteNode);
      await reloaded.flush();
      reloaded.detach();
      expect((await target.store.load(sessionId)).updates).toHaveLength(1);
    });
  });
}
