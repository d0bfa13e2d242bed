import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as authProtocol from 'y-protocols/auth';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import type { PersonOrigin } from '@tandem/shared/doc/origins.js';
import { CloseCode } from '@tandem/shared/protocol/errors.js';
import { MAX_DOC_BYTES } from '@tandem/shared/limits.js';
import { canEditSession, type SessionRole } from '@tandem/shared/roles.js';
import type { Identity } from '../auth/identity-token.js';
import { checkAwarenessUpdate } from './awareness-validation.js';
import { decideClientUpdate } from './update-filter.js';
import type { Room } from './room.js';
import { encodeAwarenessMessage, MessageType } from './sync-messages.js';

/** y-websocket message types (the first varUint of every frame). */

export interface SyncTransport {
  send(data: Uint8Array): void;
  close(code: number, reason: string): void;
}

export interface ConnectionAccess {
  identity: Identity;
  role: SessionRole;
  /** The share link this person's access comes from; null for the owner. */
  linkId: string | null;
}

class ProtocolViolation extends Error {}

/**
 * One WebSocket on /sync: speaks the y-websocket protocol for one person with one role. The connection
 * is the transaction origin of what it applies: a `person` origin (kind, user id, name) that is also
 * this connection, so the room does not echo an update back to where it came from.
 */
export class SyncConnection implements PersonOrigin {
  readonly kind = 'person';
  /** Awareness client ids this connection set, removed when it closes. */
  readonly awarenessClientIds = new Set<number>();
  private closed = false;

  constructor(
    readonly room: Room,
    readonly transport: SyncTransport,
    readonly access: ConnectionAccess,
  ) {}

  get userId(): string {
    return this.access.identity.id;
  }

  get name(): string {
    return this.access.identity.name;
  }

  /** Sends sync step 1 and everyone's presence, as the y-websocket server does on connect. */
  start(): void {
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, MessageType.Sync);
    syncProtocol.writeSyncStep1(encoder, this.room.doc);
    this.send(encoding.toUint8Array(encoder));
    const states = this.room.awareness.getStates();
    if (states.size > 0) this.send(encodeAwarenessMessage(this.room.awareness, [...states.keys()]));
  }

  send(data: Uint8Array): void {
    if (!this.closed) this.transport.send(data);
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.transport.close(code, reason);
  }

  /** Handles one frame. Anything malformed closes the connection and leaves the doc untouched. */
  receive(data: ArrayBuffer | string): void {
    if (this.closed) return;
    if (typeof data === 'string') {
      this.close(CloseCode.ProtocolError, 'text frames are not part of the sync protocol');
      return;
    }
    try {
      this.dispatch(decoding.createDecoder(new Uint8Array(data)));
    } catch (error) {
      const reason = error instanceof ProtocolViolation ? error.message : 'frame could not be decoded';
      this.close(CloseCode.ProtocolError, reason);
    }
  }

  private dispatch(decoder: decoding.Decoder): void {
    const messageType = decoding.readVarUint(decoder);
    switch (messageType) {
      case MessageType.Sync:
        this.receiveSync(decoder);
        return;
      case MessageType.Awareness:
        this.receiveAwareness(decoding.readVarUint8Array(decoder));
        return;
      case MessageType.QueryAwareness:
        this.send(encodeAwarenessMessage(this.room.awareness, [...this.room.awareness.getStates().keys()]));
        return;
      default:
        throw new ProtocolViolation(`unknown message type ${messageType}`);
    }
  }

  private receiveSync(decoder: decoding.Decoder): void {
    const syncType = decoding.readVarUint(decoder);
    switch (syncType) {
      case syncProtocol.messageYjsSyncStep1: {
        const encoder = encoding.createEncoder();
        encoding.writeVarUint(encoder, MessageType.Sync);
        syncProtocol.writeSyncStep2(encoder, this.room.doc, decoding.readVarUint8Array(decoder));
        // The answer may hold updates not yet stored: it waits for them, so a tab never has what a crash would lose.
        this.room.sendOnceStored(this, encoding.toUint8Array(encoder));
        return;
      }
      case syncProtocol.messageYjsSyncStep2:
      case syncProtocol.messageYjsUpdate:
        this.receiveUpdate(decoding.readVarUint8Array(decoder));
        return;
      default:
        throw new ProtocolViolation(`unknown sync message type ${syncType}`);
    }
  }

  private receiveUpdate(update: Uint8Array): void {
    let decoded;
    try {
      decoded = Y.decodeUpdate(update); // parses the whole update without applying it: garbage throws here
    } catch {
      throw new ProtocolViolation('update could not be decoded');
    }
    const verdict = decideClientUpdate(this.room.doc, decoded, (clientId) => this.room.ownsClientElsewhere(clientId, this));
    // A tab with nothing new (sync step 2 on connect, a repeated update) changes nothing: no reply.
    if (verdict.kind === 'no-op') return;
    if (!canEditSession(this.access.role)) {
      this.refuse('viewers cannot change this session');
      return;
    }
    if (verdict.kind === 'refused') {
      // Refused whole, not applied, not relayed: the stock client logs the reason and keeps watching.
      this.refuse(`change refused: ${verdict.reason}`);
      return;
    }
    if (this.room.persistedBytes + update.byteLength > MAX_DOC_BYTES) {
      this.close(CloseCode.DocTooLarge, `session reached its size limit of ${MAX_DOC_BYTES} bytes`);
      return;
    }
    Y.applyUpdate(this.room.doc, update, this);
  }

  /** Tells the client its update was not applied (y-protocols' auth message, as the stock client expects). */
  private refuse(reason: string): void {
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, MessageType.Auth);
    authProtocol.writePermissionDenied(encoder, reason);
    this.send(encoding.toUint8Array(encoder));
  }

  private receiveAwareness(update: Uint8Array): void {
    let check;
    try {
      check = checkAwarenessUpdate(update, this.access.identity, (clientId) => this.room.ownsClientElsewhere(clientId, this));
    } catch {
      throw new ProtocolViolation('awareness update could not be decoded');
    }
    if (!check.ok) throw new ProtocolViolation(check.reason);
    for (const clientId of check.clientIds) this.awarenessClientIds.add(clientId);
    if (check.update) awarenessProtocol.applyAwarenessUpdate(this.room.awareness, check.update, this);
  }
}
