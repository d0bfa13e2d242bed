import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { addPlanStep } from './accessors.js';
import { isOrigin, Origin, originKind, personOrigin } from './origins.js';

describe('transaction origins', () => {
  it('name their kind, and a person carries who they are', () => {
    expect(personOrigin({ id: 'u_ada', name: 'Ada' })).toEqual({ kind: 'person', userId: 'u_ada', name: 'Ada' });
    expect(originKind(Origin.remoteNode)).toBe('remote-node');
    expect(isOrigin(Origin.persistence, 'persistence', 'remote-node')).toBe(true);
    expect(isOrigin(Origin.sandbox, 'persistence', 'remote-node')).toBe(false);
  });

  it('compare by kind, so a fresh object of a kind matches and what is not an origin never does', () => {
    expect(isOrigin({ kind: 'sandbox' }, 'sandbox')).toBe(true);
    for (const other of [undefined, null, 'sandbox', 42, {}, { kind: 'someone' }]) expect(originKind(other)).toBeUndefined();
  });

  it('reach a doc listener as the writer passed them', () => {
    const doc = new Y.Doc();
    const seen: unknown[] = [];
    doc.on('update', (_update: Uint8Array, origin: unknown) => seen.push(origin));
    const ada = personOrigin({ id: 'u_ada', name: 'Ada' });
    addPlanStep(doc, { id: 'a', title: 'Read' }, ada);
    addPlanStep(doc, { id: 'b', title: 'Fix' }, Origin.agent);
    expect(seen).toEqual([ada, Origin.agent]);
    expect(isOrigin(seen[0], 'person') && seen[0].name).toBe('Ada');
  });
});
