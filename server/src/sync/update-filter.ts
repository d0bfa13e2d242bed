import * as Y from 'yjs';
import { SESSION_DOC_ROOTS, type SessionDocRoot } from '@tandem/shared/doc/schema.js';

/**
 * Which Yjs updates a person's connection may apply to a session doc.
 *
 * People change the doc directly only where a person may change things directly: the plan, and the
 * text of live files (what Monaco's y-monaco binding types). The transcript, the queue, meta, the file
 * tree, the set of live files and the agent's state are written by the server only (it checks who
 * asks, through HTTP). An update is decoded without applying it, every change in it is traced to the
 * doc root it lands in, and the whole update is refused if any part lands outside what people may
 * change, names a root the doc does not have, or cannot be traced (it would wait in Yjs' pending
 * queue and land later, unchecked).
 */

/** An update as `Y.decodeUpdate` reads it: its structs and its delete set, not applied to anything. */
export type DecodedUpdate = ReturnType<typeof Y.decodeUpdate>;

export type UpdateVerdict =
  /** Nothing the doc does not already have (a reconnecting tab's delete set, a repeated update). */
  | { kind: 'no-op' }
  | { kind: 'allowed' }
  | { kind: 'refused'; reason: string };

/** Where a person's change lands, as far as the policy cares. */
export interface WriteTarget {
  root: string;
  /**
   * `root-entry`: an entry of the root itself (a key of a root map, an element of a root array);
   * `file-text`: characters inside a live file's text; `nested`: anything deeper.
   */
  level: 'root-entry' | 'file-text' | 'nested';
}

export type WriteAction = { kind: 'insert'; content: Y.Item['content'] } | { kind: 'delete' };

/** Types nested deeper than this are refused (the plan is two levels deep; deeper only costs the server time). */
export const MAX_CLIENT_TYPE_DEPTH = 8;
/** Chains of changes within one update that refer to later ones; deeper is refused, never followed. */
const MAX_REFERENCE_CHAIN = 2_000;

/**
 * The policy, pure: whether a person may make one change at `target`. Returns why not, or null.
 * Adding or removing keys of `files` is refused too: the server's file sync writes any new key to
 * the sandbox as a file, so the working set is changed through HTTP (open, delete, rename) only.
 */
export function decideClientWrite(target: WriteTarget, action: WriteAction): string | null {
  const root = target.root as SessionDocRoot;
  switch (root) {
    case 'plan':
      if (action.kind === 'insert' && action.content instanceof Y.ContentDoc) return 'subdocuments are not part of the plan';
      return null;
    case 'files':
      if (target.level !== 'file-text') return 'files enter and leave the live working set through the server (open, delete, rename)';
      if (action.kind === 'insert' && !(action.content instanceof Y.ContentString || action.content instanceof Y.ContentDeleted)) {
        return 'live files hold plain text only';
      }
      return null;
    case 'meta':
    case 'transcript':
    case 'queue':
    case 'fileInfo':
    case 'run':
    case 'network':
      // The blueprint run included: people approve, skip and retry its steps through HTTP, never by writing it.
      return `${root} is written by the server only`;
    default:
      root satisfies never;
      return `the doc has no root "${target.root}"`;
  }
}

class Refusal extends Error {}
const refuse = (reason: string): never => {
  throw new Refusal(reason);
};

/** A type an item sits in: its root, how deep (0 is the root), whether it is text, and an identity. */
interface TypePlace {
  root: string;
  depth: number;
  isText: boolean;
  key: string;
}
/** Where an item sits; `inert` when Yjs will discard it (it hangs off garbage-collected content). */
type Place = { kind: 'inert' } | { kind: 'placed'; parent: TypePlace; parentSub: string | null };

const INERT: Place = { kind: 'inert' };
const idKey = (id: Y.ID) => `${id.client}:${id.clock}`;
const KNOWN_ROOTS: ReadonlySet<string> = new Set(SESSION_DOC_ROOTS);

function targetOf(place: Extract<Place, { kind: 'placed' }>): WriteTarget {
  const { parent, parentSub } = place;
  if (parent.depth === 0) return { root: parent.root, level: 'root-entry' };
  const isFileText = parent.root === ('files' satisfies SessionDocRoot) && parent.depth === 1 && parent.isText && parentSub === null;
  return { root: parent.root, level: isFileText ? 'file-text' : 'nested' };
}

/** Reads the doc's struct store without changing it (no splits, no integration). */
function storeStruct(doc: Y.Doc, id: Y.ID): Y.Item | Y.GC | undefined {
  if (id.clock >= Y.getState(doc.store, id.client)) return undefined;
  const structs = doc.store.clients.get(id.client);
  return structs ? structs[Y.findIndexSS(structs, id.clock)] : undefined;
}

/** The place of a type the doc already has, found by walking up to its root. */
function storeTypePlace(type: Y.AbstractType<unknown>): TypePlace {
  let depth = 0;
  let current = type;
  while (current._item) {
    depth += 1;
    if (depth > MAX_CLIENT_TYPE_DEPTH) refuse('changes nested this deep are not part of the session doc');
    const parent = current._item.parent;
    if (!(parent instanceof Y.AbstractType)) return refuse('a change refers to a type the server cannot place');
    current = parent;
  }
  let root: string;
  try {
    root = Y.findRootTypeKey(current);
  } catch {
    return refuse('a change refers to a type the server cannot place');
  }
  return { root, depth, isText: type instanceof Y.Text, key: type._item ? idKey(type._item.id) : `root:${root}` };
}

function storeItemPlace(item: Y.Item): Place {
  if (!(item.parent instanceof Y.AbstractType)) return refuse('a change refers to an item the server cannot place');
  return { kind: 'placed', parent: storeTypePlace(item.parent), parentSub: item.parentSub };
}

/** An item a change refers to: one the doc has, or one this same update brings. */
type Referenced = { item: Y.Item; inUpdate: boolean } | 'gc';

/** Traces the structs of one decoded update to where they land, against the doc they would apply to. */
class UpdateTracer {
  private readonly byClient = new Map<number, Array<Y.Item | Y.GC | Y.Skip>>();
  private readonly places = new Map<Y.Item, Place>();
  private readonly tracing = new Set<Y.Item>();

  constructor(
    private readonly doc: Y.Doc,
    structs: Array<Y.Item | Y.GC | Y.Skip>,
  ) {
    for (const struct of structs) {
      const list = this.byClient.get(struct.id.client) ?? [];
      list.push(struct);
      this.byClient.set(struct.id.client, list);
    }
  }

  clients(): IterableIterator<[number, Array<Y.Item | Y.GC | Y.Skip>]> {
    return this.byClient.entries();
  }

  /** The struct of this update that holds `id`, if any (the structs of one client are in clock order). */
  private updateStruct(id: Y.ID): Y.Item | Y.GC | Y.Skip | undefined {
    const list = this.byClient.get(id.client);
    if (!list) return undefined;
    let low = 0;
    let high = list.length - 1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      const struct = list[middle]!;
      if (id.clock < struct.id.clock) high = middle - 1;
      else if (id.clock >= struct.id.clock + struct.length) low = middle + 1;
      else return struct;
    }
    return undefined;
  }

  /**
   * The item (in the doc, or in this update) that `id` names, as Yjs will find it when it integrates
   * `from`. Yjs never resolves a reference to a later change of the same client (it throws mid-update),
   * and parks a change whose reference it cannot find: both are refused here.
   */
  private resolve(id: Y.ID, from: Y.Item): Referenced {
    const stored = storeStruct(this.doc, id);
    if (stored) return stored instanceof Y.GC ? 'gc' : { item: stored, inUpdate: false };
    if (id.client === from.id.client && id.clock >= from.id.clock) refuse('a change refers to a later one of its own');
    const inUpdate = this.updateStruct(id);
    if (!inUpdate || inUpdate instanceof Y.Skip) return refuse('a change refers to content the server does not have; reload the page');
    return inUpdate instanceof Y.GC ? 'gc' : { item: inUpdate, inUpdate: true };
  }

  private placeOfReferenced(referenced: { item: Y.Item; inUpdate: boolean }): Place {
    return referenced.inUpdate ? this.placeOf(referenced.item) : storeItemPlace(referenced.item);
  }

  /** Where an item of this update lands (memoized; cycles and overlong chains are refused). */
  placeOf(item: Y.Item): Place {
    const known = this.places.get(item);
    if (known) return known;
    if (this.tracing.has(item)) refuse('changes in the update refer to each other in a circle');
    if (this.tracing.size > MAX_REFERENCE_CHAIN) refuse('the update chains too many changes on each other; send it in parts');
    this.tracing.add(item);
    try {
      const place = this.trace(item);
      this.places.set(item, place);
      return place;
    } finally {
      this.tracing.delete(item);
    }
  }

  private trace(item: Y.Item): Place {
    // As Yjs does: an item with neighbours goes where its left (else right) neighbour is; its parent
    // is only encoded when it has none. A neighbour that is garbage makes the item garbage too.
    // Neighbours in two different types would tie both together: refused.
    const left = item.origin ? this.resolve(item.origin, item) : null;
    const right = item.rightOrigin ? this.resolve(item.rightOrigin, item) : null;
    if (left === 'gc' || right === 'gc') return INERT;
    if (left || right) {
      const leftPlace = left ? this.placeOfReferenced(left) : null;
      const rightPlace = right ? this.placeOfReferenced(right) : null;
      if (leftPlace?.kind === 'inert' || rightPlace?.kind === 'inert') return INERT;
      if (leftPlace && rightPlace && !samePlace(leftPlace, rightPlace)) refuse('a change sits between neighbours of different types');
      return (leftPlace ?? rightPlace)!;
    }
    const parent = item.parent as unknown;
    if (typeof parent === 'string') {
      if (!KNOWN_ROOTS.has(parent)) refuse(`the doc has no root "${parent}"`);
      return { kind: 'placed', parent: { root: parent, depth: 0, isText: false, key: `root:${parent}` }, parentSub: item.parentSub };
    }
    if (!(parent instanceof Y.ID)) return refuse('a change names no place in the doc');
    const referenced = this.resolve(parent, item);
    if (referenced === 'gc') return INERT;
    const content = referenced.item.content;
    // A type that was deleted and collected keeps only a tombstone; Yjs drops what lands in it.
    if (content instanceof Y.ContentDeleted) return INERT;
    if (!(content instanceof Y.ContentType)) return refuse('a change names a parent that is not a type');
    if (!referenced.inUpdate) return { kind: 'placed', parent: storeTypePlace(content.type), parentSub: item.parentSub };
    // A type this same update creates.
    const parentPlace = this.placeOf(referenced.item);
    if (parentPlace.kind === 'inert') return INERT;
    const depth = parentPlace.parent.depth + 1;
    if (depth > MAX_CLIENT_TYPE_DEPTH) refuse('changes nested this deep are not part of the session doc');
    return {
      kind: 'placed',
      parent: { root: parentPlace.parent.root, depth, isText: content.type instanceof Y.Text, key: idKey(referenced.item.id) },
      parentSub: item.parentSub,
    };
  }
}

function samePlace(left: Extract<Place, { kind: 'placed' }>, right: Extract<Place, { kind: 'placed' }>): boolean {
  return left.parent.key === right.parent.key && left.parentSub === right.parentSub;
}

/**
 * Decides whether a person's update may be applied to `doc`. Pure: it reads the doc's struct store
 * and changes nothing. `claimedElsewhere` says whether a Yjs client id is another open connection's
 * (a person's changes are numbered per client; taking another tab's next numbers would make the
 * server drop that tab's real edits).
 */
export function decideClientUpdate(
  doc: Y.Doc,
  update: DecodedUpdate,
  claimedElsewhere: (clientId: number) => boolean = () => false,
): UpdateVerdict {
  try {
    return traceUpdate(doc, update, claimedElsewhere) ? { kind: 'allowed' } : { kind: 'no-op' };
  } catch (error) {
    if (error instanceof Refusal) return { kind: 'refused', reason: error.message };
    throw error;
  }
}

/** Throws a Refusal, or returns whether the update changes anything. */
function traceUpdate(doc: Y.Doc, update: DecodedUpdate, claimedElsewhere: (clientId: number) => boolean): boolean {
  const tracer = new UpdateTracer(doc, update.structs);
  let changes = false;
  /** Per client, the clock up to which the doc plus this update hold every change. */
  const reach = new Map<number, number>();

  for (const [client, structs] of tracer.clients()) {
    let known = Y.getState(doc.store, client);
    const storeState = known;
    for (const struct of structs) {
      if (struct instanceof Y.Skip) continue;
      // Yjs would park a change that follows a gap and apply it later, unchecked: refused instead.
      if (struct.id.clock > known) refuse('the update depends on changes the server never received; reload the page');
      const end = struct.id.clock + struct.length;
      known = Math.max(known, end);
      // Traced even when the doc has it already: Yjs looks up its references before it skips it.
      const place = struct instanceof Y.Item ? tracer.placeOf(struct) : INERT;
      if (end <= storeState) continue; // the doc has it already: Yjs skips it
      changes = true;
      if (claimedElsewhere(client)) refuse('the update writes as another open tab');
      if (!(struct instanceof Y.Item) || place.kind === 'inert') continue; // garbage: takes up clocks, shows nothing
      if (struct.id.clock < storeState) {
        // Part of it is in the doc already; Yjs appends the rest after that part, so both must agree.
        const before = storeStruct(doc, Y.createID(client, storeState - 1));
        const beforePlace = before instanceof Y.Item ? storeItemPlace(before) : INERT;
        if (beforePlace.kind !== 'placed' || !samePlace(beforePlace, place)) refuse('a change continues one in another place');
      }
      const reason = decideClientWrite(targetOf(place), { kind: 'insert', content: struct.content });
      if (reason) refuse(reason);
    }
    reach.set(client, known);
  }

  for (const [client, ranges] of update.ds.clients) {
    const storeState = Y.getState(doc.store, client);
    const structs = doc.store.clients.get(client);
    for (const { clock, len } of ranges) {
      const end = clock + len;
      if (end > Math.max(storeState, reach.get(client) ?? 0)) refuse('the update deletes content the server does not have; reload the page');
      if (end > storeState) changes = true; // deletes part of this update's own new content, which was checked above
      if (!structs || clock >= storeState) continue;
      for (let index = Y.findIndexSS(structs, clock); index < structs.length && structs[index]!.id.clock < end; index += 1) {
        const struct = structs[index]!;
        if (struct instanceof Y.GC || struct.deleted) continue; // gone already: nothing to do
        changes = true;
        const place = storeItemPlace(struct);
        if (place.kind === 'inert') continue;
        const reason = decideClientWrite(targetOf(place), { kind: 'delete' });
        if (reason) refuse(reason);
      }
    }
  }
  return changes;
}
