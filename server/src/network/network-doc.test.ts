import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { markNetworkHostAllowed, readNetworkDenials, recordNetworkDenial } from '@tandem/shared/doc/accessors.js';
import { Origin, personOrigin } from '@tandem/shared/doc/origins.js';
import { MAX_NETWORK_DENIALS_IN_DOC, networkMap } from '@tandem/shared/doc/schema.js';
import { decideClientUpdate } from '../sync/update-filter.js';

/** A client writing its own copy of the doc (the server never sees a client's origins, only its updates). */
const ATTACKER_ORIGIN = personOrigin({ id: 'attacker', name: 'Mallory' });

const denial = (host: string, lastAt: number) => ({ host, port: 443, phase: 'session' as const, reason: `${host}:443 is not in this session's network policy`, lastAt });

function updateOf(tab: Y.Doc, change: (doc: Y.Doc) => void): Uint8Array {
  const updates: Uint8Array[] = [];
  const record = (update: Uint8Array) => updates.push(update);
  tab.on('update', record);
  change(tab);
  tab.off('update', record);
  return Y.mergeUpdates(updates);
}

describe('network refusals in the doc', () => {
  it('count repeats, show who allowed a host, and keep only the newest', () => {
    const doc = new Y.Doc();
    recordNetworkDenial(doc, denial('example.org', 1), Origin.sandbox);
    recordNetworkDenial(doc, denial('example.org', 2), Origin.sandbox);
    markNetworkHostAllowed(doc, 'example.org', 'Ada', Origin.sandbox);
    expect(readNetworkDenials(doc)).toEqual([{ ...denial('example.org', 2), attempts: 2, allowedBy: 'Ada' }]);
    for (let index = 0; index < MAX_NETWORK_DENIALS_IN_DOC + 5; index += 1) recordNetworkDenial(doc, denial(`h${index}.test`, 10 + index), Origin.sandbox);
    const kept = readNetworkDenials(doc);
    expect(kept).toHaveLength(MAX_NETWORK_DENIALS_IN_DOC);
    expect(kept[0]!.host).toBe(`h${MAX_NETWORK_DENIALS_IN_DOC + 4}.test`);
    expect(kept.some((entry) => entry.host === 'example.org')).toBe(false);
  });

  it('are written by the server only: a tab that forges "allowed" or clears a refusal is refused', () => {
    const server = new Y.Doc();
    recordNetworkDenial(server, denial('example.org', 1), Origin.sandbox);
    const tab = () => {
      const copy = new Y.Doc();
      Y.applyUpdate(copy, Y.encodeStateAsUpdate(server));
      return copy;
    };
    const forged = [
      updateOf(tab(), (doc) => markNetworkHostAllowed(doc, 'example.org', 'Mallory', ATTACKER_ORIGIN)),
      updateOf(tab(), (doc) => networkMap(doc).delete('example.org:443')),
      updateOf(tab(), (doc) => recordNetworkDenial(doc, denial('fake.test', 5), ATTACKER_ORIGIN)),
    ];
    for (const update of forged) expect(decideClientUpdate(server, Y.decodeUpdate(update))).toEqual({ kind: 'refused', reason: 'network is written by the server only' });
  });
});
