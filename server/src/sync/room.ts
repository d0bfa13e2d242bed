import * as awarenessProtocol from 'y-protocols/awareness';
import * as Y from 'yjs';
import { isOrigin, Origin } from '@tandem/shared/doc/origins.js';
import type { DocPersister } from './doc-persister.js';
import type { DocFanout } from './fanout.js';
import { HeldUntilStored } from './held-until-stored.js';
import type { SyncConnection } from './sync-connection.js';
import { encodeAwarenessMessage, encodeUpdateMessage } from './sync-messages.js';

/** One session's live doc on this node: its connections, presence, persistence and fan-out. */
export class Room {
  readonly doc = new Y.Doc({ gc: true });
  readonly awareness = new awarenessProtocol.Awareness(this.doc);
  readonly connections = new Set<SyncConnection>();
  /** Server-side users of the doc (HTTP writes, later the agent) that keep it loaded. */
  holds = 0;
  private persister: DocPersister | null = null;
  private unsubscribeFanout: (() => void) | null = null;
  /** Doc content goes to clients and other nodes only once it is stored. */
  private readonly held = new HeldUntilStored();

  constructor(
    readonly sessionId: string,
    private readonly fanout: DocFanout,
  ) {
    // The server has no presence of its own.
    this.awareness.setLocalState(null);
    this.awareness.on('update', this.onAwarenessUpdate);
  }

  /** Starts relaying, once the stored doc is loaded into `doc` and `persister` listens on it. */
  attach(persister: DocPersister): void {
    this.persister = persister;
    persister.onStored((stored) => this.held.release(stored));
    // After the persister's own listener, so its `seen` already counts the update being relayed.
    this.doc.on('update', this.onDocUpdate);
    this.unsubscribeFanout = this.fanout.subscribe(this.sessionId, (update) =>
      Y.applyUpdate(this.doc, update, Origin.remoteNode),
    );
  }

  /** Sends `message` (doc content as of now, such as a sync answer) once the store has everything it holds. */
  sendOnceStored(connection: SyncConnection, message: Uint8Array): void {
    this.held.hold(this.persister?.seen ?? 0, () => connection.send(message));
  }

  get persistedBytes(): number {
    return this.persister?.persistedBytes ?? 0;
  }

  get idle(): boolean {
    return this.connections.size === 0 && this.holds === 0;
  }

  add(connection: SyncConnection): void {
    this.connections.add(connection);
    connection.start();
  }

  remove(connection: SyncConnection): void {
    this.connections.delete(connection);
    awarenessProtocol.removeAwarenessStates(this.awareness, [...connection.awarenessClientIds], null);
  }

  /** Whether an awareness client id was claimed by a connection other than `connection`. */
  ownsClientElsewhere(clientId: number, connection: SyncConnection): boolean {
    for (const other of this.connections) {
      if (other !== connection && other.awarenessClientIds.has(clientId)) return true;
    }
    return false;
  }

  flush(): Promise<void> {
    return this.persister?.flush() ?? Promise.resolve();
  }

  destroy(): void {
    this.held.clear();
    this.doc.off('update', this.onDocUpdate);
    this.persister?.detach();
    this.unsubscribeFanout?.();
    this.awareness.destroy();
    this.doc.destroy();
  }

  /**
   * Every change, whoever made it (a person, the agent, the sandbox's file sync), is relayed only once
   * stored. An update from another node was stored there; it waits only behind earlier local ones.
   */
  private readonly onDocUpdate = (update: Uint8Array, origin: unknown) => {
    if (isOrigin(origin, 'persistence')) return;
    this.held.hold(this.persister?.seen ?? 0, () => {
      const message = encodeUpdateMessage(update);
      for (const connection of this.connections) {
        if (connection !== origin) connection.send(message);
      }
      if (!isOrigin(origin, 'remote-node')) this.fanout.publish(this.sessionId, update);
    });
  };

  private readonly onAwarenessUpdate = (
    changes: { added: number[]; updated: number[]; removed: number[] },
    _origin: unknown,
  ) => {
    const changed = [...changes.added, ...changes.updated, ...changes.removed];
    const message = encodeAwarenessMessage(this.awareness, changed);
    for (const connection of this.connections) connection.send(message);
  };
}
