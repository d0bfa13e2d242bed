/**
 * Transaction origins: every write to a session doc names who made it (like hocuspocus's
 * `TransactionOrigin`), so a change is attributed and never echoed back to its source (a sandbox write
 * is not written back to the sandbox, a remote node's update is not republished, a stored update is
 * not stored again).
 *
 * Compare origins by `kind` (`isOrigin`), not by identity: Yjs hands a listener whatever object the
 * writer passed. The one exception is a person's connection on the server, whose origin object is its
 * own (one per connection), so the room can tell which connection an update came from.
 */
export type DocOrigin =
  /** A person: a client writing its own doc, a person's connection on the server, or the server writing on a person's behalf (their message). */
  | { readonly kind: 'person'; readonly userId: string; readonly name: string }
  /** The agent's model loop (transcript, agent state, its file edits). */
  | { readonly kind: 'agent' }
  /** The blueprint runner (the `run` root, its notices). */
  | { readonly kind: 'blueprint' }
  /** The sandbox side: the workspace's file sync, sandbox and service state, network denials. */
  | { readonly kind: 'sandbox' }
  /** The server itself: meta mirrored from the store, notices about the session. */
  | { readonly kind: 'server' }
  /** Updates loaded from the store (never stored again). */
  | { readonly kind: 'persistence' }
  /** Updates another server node stored and published (never published again). */
  | { readonly kind: 'remote-node' };

export type DocOriginKind = DocOrigin['kind'];
export type PersonOrigin = Extract<DocOrigin, { kind: 'person' }>;

/** A person's origin; `person` is an identity (`id`, `name`). */
export function personOrigin(person: { readonly id: string; readonly name: string }): PersonOrigin {
  return { kind: 'person', userId: person.id, name: person.name };
}

/** The origins that carry no data, one frozen object each. */
export const Origin = {
  agent: Object.freeze({ kind: 'agent' }),
  blueprint: Object.freeze({ kind: 'blueprint' }),
  sandbox: Object.freeze({ kind: 'sandbox' }),
  server: Object.freeze({ kind: 'server' }),
  persistence: Object.freeze({ kind: 'persistence' }),
  remoteNode: Object.freeze({ kind: 'remote-node' }),
} as const satisfies Record<string, DocOrigin>;

const KINDS: ReadonlySet<string> = new Set<DocOriginKind>(['person', 'agent', 'blueprint', 'sandbox', 'server', 'persistence', 'remote-node']);

/** The kind of a transaction's origin, or undefined when it is not a DocOrigin (Yjs origins are `unknown`). */
export function originKind(origin: unknown): DocOriginKind | undefined {
  if (typeof origin !== 'object' || origin === null) return undefined;
  const kind: unknown = (origin as { kind?: unknown }).kind;
  return typeof kind === 'string' && KINDS.has(kind) ? (kind as DocOriginKind) : undefined;
}

/** Whether a transaction's origin is a DocOrigin of one of `kinds`. */
export function isOrigin<K extends DocOriginKind>(origin: unknown, ...kinds: K[]): origin is Extract<DocOrigin, { kind: K }> {
  const kind = originKind(origin);
  return kind !== undefined && (kinds as DocOriginKind[]).includes(kind);
}
