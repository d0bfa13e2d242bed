import { Awareness, encodeAwarenessUpdate } from 'y-protocols/awareness';
import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { presenceStateSchema } from '@tandem/shared/protocol/presence.js';
import * as encoding from 'lib0/encoding';
import type { Identity } from '../auth/identity-token.js';
import { checkAwarenessUpdate } from './awareness-validation.js';

const ada: Identity = { id: 'u_ada0000000000000000', name: 'Ada' };
const adaUser = { id: ada.id, name: ada.name, color: '#e5484d' };
const ownsNothingElse = () => false;

/**
 * The awareness state y-monaco 0.1.6 sent from a real browser (captured in e2e/presence.spec.ts's
 * flow: Ada opened src/slugify.js, clicked into it and selected one character backwards, so the
 * anchor is after the head). Only the user id is replaced by this test's identity.
 */
const Y_MONACO_STATE_JSON = `{"user":{"id":"${ada.id}","name":"Ada","color":"#0090ff"},"focus":"editor","openFile":"src/slugify.js","selection":{"anchor":{"type":{"client":1833764540,"clock":52},"tname":null,"item":{"client":1833764540,"clock":65},"assoc":0},"head":{"type":{"client":1833764540,"clock":52},"tname":null,"item":{"client":1833764540,"clock":64},"assoc":0}}}`;

/** One awareness update carrying `json` for `clientId`, as the stock client encodes it. */
function encodeState(clientId: number, json: string): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, 1);
  encoding.writeVarUint(encoder, clientId);
  encoding.writeVarUint(encoder, 1);
  encoding.writeVarString(encoder, json);
  return encoding.toUint8Array(encoder);
}

/** A file open in the editor, with the cursor y-monaco would report for a selection from `anchor` to `head`. */
function editorWithSelection(anchor: number, head: number) {
  const doc = new Y.Doc();
  const text = new Y.Text('export function slugify(title) {}\n');
  doc.getMap('files').set('src/slugify.js', text);
  const awareness = new Awareness(doc);
  awareness.setLocalState({ user: adaUser, focus: 'editor', openFile: 'src/slugify.js' });
  // Exactly what y-monaco's onDidChangeCursorSelection handler does.
  awareness.setLocalStateField('selection', {
    anchor: Y.createRelativePositionFromTypeIndex(text, anchor),
    head: Y.createRelativePositionFromTypeIndex(text, head),
  });
  return { doc, awareness };
}

describe('checkAwarenessUpdate with the editor binding', () => {
  it('accepts the state y-monaco produces, as a browser sent it', () => {
    const check = checkAwarenessUpdate(encodeState(1833764540, Y_MONACO_STATE_JSON), ada, ownsNothingElse);
    expect(check).toMatchObject({ ok: true, clientIds: [1833764540] });
  });

  it('accepts a cursor set by the binding through a real Awareness, at the start, middle and end of a file', () => {
    for (const [anchor, head] of [
      [0, 0],
      [7, 15],
      [34, 34],
    ] as const) {
      const { doc, awareness } = editorWithSelection(anchor, head);
      const check = checkAwarenessUpdate(encodeAwarenessUpdate(awareness, [doc.clientID]), ada, ownsNothingElse);
      expect(check).toMatchObject({ ok: true, clientIds: [doc.clientID] });
      awareness.destroy();
    }
  });

  it('reads the local state the binding leaves (class instances, not plain JSON) as a valid presence', () => {
    // The tab reads its own state from awareness before any JSON round trip; if this fails, the
    // person's own avatar disappears as soon as they click into a file.
    const { doc, awareness } = editorWithSelection(3, 12);
    const local = awareness.getLocalState();
    expect(Object.getPrototypeOf((local as { selection: { anchor: object } }).selection.anchor)).not.toBe(Object.prototype);
    const parsed = presenceStateSchema.safeParse(local);
    expect(parsed.success).toBe(true);
    // Clock 0 is the file's entry in `files`; its characters follow, so index 3 is clock 4.
    expect(parsed.data?.selection?.anchor).toEqual({ type: { client: doc.clientID, clock: 0 }, tname: null, item: { client: doc.clientID, clock: 4 }, assoc: 0 });
    awareness.destroy();
  });

  it('accepts the compact form from Y.relativePositionToJSON and a cleared cursor', () => {
    const compact = JSON.stringify({ user: adaUser, selection: { anchor: { tname: 'notes', assoc: -1 }, head: { item: { client: 5, clock: 2 } } } });
    expect(checkAwarenessUpdate(encodeState(7, compact), ada, ownsNothingElse).ok).toBe(true);
    expect(checkAwarenessUpdate(encodeState(7, JSON.stringify({ user: adaUser, selection: null })), ada, ownsNothingElse).ok).toBe(true);
  });

  it('stays strict about everything else in a cursor', () => {
    const withSelection = (selection: unknown) => JSON.stringify({ user: adaUser, selection });
    const position = { type: { client: 1, clock: 2 }, tname: null, item: null, assoc: 0 };
    const refused = [
      withSelection({ anchor: position }), // no head
      withSelection({ anchor: position, head: position, extra: 1 }),
      withSelection({ anchor: { ...position, html: '<img src=x onerror=alert(1)>' }, head: position }),
      withSelection({ anchor: { ...position, type: { client: 1, clock: 2, more: true } }, head: position }),
      withSelection({ anchor: { ...position, type: { client: -1, clock: 2 } }, head: position }),
      withSelection({ anchor: { ...position, item: 'abc' }, head: position }),
      withSelection({ anchor: { ...position, assoc: 0.5 }, head: position }),
      withSelection({ anchor: { ...position, tname: 'x'.repeat(1000) }, head: position }),
      withSelection({ anchor: [1, 2], head: position }),
      withSelection('everywhere'),
    ];
    for (const json of refused) {
      expect(checkAwarenessUpdate(encodeState(7, json), ada, ownsNothingElse), json).toMatchObject({ ok: false });
    }
  });

  it('still refuses a cursor state that claims someone else', () => {
    const mallory = Y_MONACO_STATE_JSON.replace('"name":"Ada"', '"name":"Mallory"');
    expect(checkAwarenessUpdate(encodeState(1833764540, mallory), ada, ownsNothingElse)).toEqual({ ok: false, reason: 'presence must carry your own identity' });
  });
});
