import type * as Y from 'yjs';
import { setDocTextGuard, type DocTextGuard } from '@tandem/shared/doc/text-guard.js';
import { CloseCode } from '@tandem/shared/protocol/errors.js';
import { loadPersistedDoc, type PersisterLogger } from './doc-persister.js';
import type { DocStore } from './doc-store.js';
import type { DocFanout } from './fanout.js';
import { Room } from './room.js';
import { SyncConnection, type ConnectionAccess, type SyncTransport } from './sync-connection.js';

/** How long a doc nobody uses stays in memory before it is flushed and unloaded. */
export const ROOM_IDLE_UNLOAD_MS = 30_000;

export interface DocHostOptions {
  store: DocStore;
  fanout: DocFanout;
  logger: PersisterLogger;
  idleUnloadMs?: number;
  /** What every server-side write of text into a session's doc passes (its secret redactor). */
  textGuard?: (sessionId: string) => DocTextGuard;
}

/** Handlers the transport calls for one accepted connection. */
export interface ConnectionHandlers {
  receive(data: ArrayBuffer | string): void;
  /** The server closes the connection (e.g. its link was revoked): nothing it sends is applied after this. */
  close(code: number, reason: string): void;
  closed(): void;
}

/** Holds one Y.Doc per session in memory while anyone uses it; every doc read and write goes through here. */
export class DocHost {
  private readonly rooms = new Map<string, Promise<Room>>();
  private readonly unloadTimers = new Map<string, NodeJS.Timeout>();
  /** Bumped on every load, so an unload that started before a new user arrived backs off. */
  private readonly loadCounts = new Map<string, number>();
  private readonly idleUnloadMs: number;

  constructor(private readonly options: DocHostOptions) {
    this.idleUnloadMs = options.idleUnloadMs ?? ROOM_IDLE_UNLOAD_MS;
  }

  /** Accepts a connection into a session's room (the caller has already checked access). */
  async connect(sessionId: string, transport: SyncTransport, access: ConnectionAccess): Promise<ConnectionHandlers> {
    const room = await this.load(sessionId);
    const connection = new SyncConnection(room, transport, access);
    room.add(connection);
    return {
      receive: (data) => connection.receive(data),
      close: (code, reason) => connection.close(code, reason),
      closed: () => {
        room.remove(connection);
        this.scheduleUnloadIfIdle(room);
      },
    };
  }

  /** Runs a server-side change on a session doc and resolves once it is persisted. */
  async change<T>(sessionId: string, apply: (doc: Y.Doc) => T): Promise<T> {
    const room = await this.load(sessionId);
    room.holds += 1;
    try {
      const result = apply(room.doc);
      await room.flush();
      return result;
    } finally {
      room.holds -= 1;
      this.scheduleUnloadIfIdle(room);
    }
  }

  /**
   * Reads a session doc: nothing is written, so nothing waits for the store. `read` must not change
   * the doc (changes go through `change`).
   */
  async read<T>(sessionId: string, read: (doc: Y.Doc) => T): Promise<T> {
    const room = await this.load(sessionId);
    try {
      return read(room.doc);
    } finally {
      this.scheduleUnloadIfIdle(room);
    }
  }

  /**
   * Keeps a session's doc loaded (the same Y.Doc instance) until `release`, for server parts that
   * observe it for a long time, such as the file sync of a running sandbox.
   */
  async hold(sessionId: string): Promise<{ doc: Y.Doc; release(): void }> {
    const room = await this.load(sessionId);
    room.holds += 1;
    let released = false;
    return {
      doc: room.doc,
      release: () => {
        if (released) return;
        released = true;
        room.holds -= 1;
        this.scheduleUnloadIfIdle(room);
      },
    };
  }

  /**
   * Runs a server-side change without waiting for it to be persisted (it is, in the background, in
   * order). For high-rate writers such as the agent's stream; `change` is for writes a caller confirms.
   */
  async apply<T>(sessionId: string, apply: (doc: Y.Doc) => T): Promise<T> {
    const room = await this.load(sessionId);
    try {
      return apply(room.doc);
    } finally {
      this.scheduleUnloadIfIdle(room);
    }
  }

  /** Flushes every doc and closes every connection with ServerShutdown, so clients reconnect later. */
  async close(): Promise<void> {
    for (const timer of this.unloadTimers.values()) clearTimeout(timer);
    this.unloadTimers.clear();
    const rooms = await Promise.allSettled(this.rooms.values());
    for (const result of rooms) {
      if (result.status !== 'fulfilled') continue;
      const room = result.value;
      for (const connection of room.connections) connection.close(CloseCode.ServerShutdown, 'server restarting');
      await room.flush().catch((error: unknown) => this.options.logger.error(`flush of ${room.sessionId} failed`, error));
      room.destroy();
    }
    this.rooms.clear();
  }

  private load(sessionId: string): Promise<Room> {
    this.loadCounts.set(sessionId, (this.loadCounts.get(sessionId) ?? 0) + 1);
    const timer = this.unloadTimers.get(sessionId);
    if (timer) {
      clearTimeout(timer);
      this.unloadTimers.delete(sessionId);
    }
    let room = this.rooms.get(sessionId);
    if (!room) {
      room = this.open(sessionId);
      this.rooms.set(sessionId, room);
      room.catch(() => this.rooms.delete(sessionId));
    }
    return room;
  }

  private async open(sessionId: string): Promise<Room> {
    const room = new Room(sessionId, this.options.fanout);
    if (this.options.textGuard) setDocTextGuard(room.doc, this.options.textGuard(sessionId));
    try {
      room.attach(await loadPersistedDoc(this.options.store, sessionId, room.doc, this.options.logger));
    } catch (error) {
      room.destroy();
      throw error;
    }
    return room;
  }

  private scheduleUnloadIfIdle(room: Room): void {
    if (!room.idle || this.unloadTimers.has(room.sessionId)) return;
    const loadCountAtSchedule = this.loadCounts.get(room.sessionId);
    const timer = setTimeout(() => {
      this.unloadTimers.delete(room.sessionId);
      void room
        .flush()
        .then(() => {
          if (!room.idle || this.loadCounts.get(room.sessionId) !== loadCountAtSchedule) return;
          this.rooms.delete(room.sessionId);
          this.loadCounts.delete(room.sessionId);
          room.destroy();
        })
        .catch((error: unknown) => this.options.logger.error(`flush of ${room.sessionId} failed`, error));
    }, this.idleUnloadMs);
    timer.unref();
    this.unloadTimers.set(room.sessionId, timer);
  }
}
