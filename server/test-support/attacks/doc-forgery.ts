/**
 * Attacks through the shared doc. Anyone with a link holds a synced copy of the session's Y.Doc, and
 * the stock y-websocket client sends whatever is written to that copy. So an editor (or the owner's
 * own tab, or a viewer) can write any part of the doc, not just what the page's buttons write:
 *
 * - forge and erase: a steering message queued as the owner (the model reads it as the owner's), a
 *   chat message posing as the owner, a real queued message deleted before delivery;
 * - rewrite `meta` for everyone: the owner's name, the status, a sandbox message telling people to
 *   paste secrets, the spend;
 * - steer the server's decisions when they read the doc: delete `meta.endedAt` to reboot an ended
 *   session, point `meta.resumedFrom` / `meta.endSnapshot` at another session's saved workspace;
 * - change the file tree or the live working set directly (every new key of `files` becomes a file);
 * - hand-made updates no editor UI would make: unknown roots, references to content the server does
 *   not have (Yjs would park them and apply them later, unchecked), deletes of the server's future
 *   changes, a change placed between neighbours in two different types.
 *
 * Each helper writes one such change to the attacker's copy of the doc, or encodes it raw.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';
import WebSocket from 'ws';
import * as syncProtocol from 'y-protocols/sync';
import {
  addLiveFile,
  appendUserMessage,
  enqueueMessage,
  removeLiveFile,
  takeQueuedMessages,
  writeFileInfo,
  writeMeta,
} from '@tandem/shared/doc/accessors.js';
import { personOrigin } from '@tandem/shared/doc/origins.js';
import { metaMap, transcriptArray, type SessionMeta } from '@tandem/shared/doc/schema.js';

/** A client writing its own copy of the doc (the server never sees a client's origins, only its updates). */
const ATTACKER_ORIGIN = personOrigin({ id: 'attacker', name: 'Mallory' });

export interface Impersonated {
  id: string;
  name: string;
}

/** A steering message queued as `as` (e.g. the owner): the agent would read it as theirs. */
export function forgeQueuedSteer(doc: Y.Doc, as: Impersonated, text: string): string {
  const id = `m_forged_${Math.random().toString(36).slice(2, 10)}`;
  enqueueMessage(doc, { id, authorId: as.id, authorName: as.name, text, delivery: 'steer', createdAt: Date.now() }, ATTACKER_ORIGIN);
  return id;
}

/** A chat message in the transcript posing as `as`. */
export function forgeChatMessage(doc: Y.Doc, as: Impersonated, text: string): string {
  const id = `m_forged_${Math.random().toString(36).slice(2, 10)}`;
  appendUserMessage(doc, { id, authorId: as.id, authorName: as.name, text, delivery: 'chat', createdAt: Date.now() }, ATTACKER_ORIGIN);
  return id;
}

/** Deletes a real queued message before the agent gets it. */
export function eraseQueuedMessage(doc: Y.Doc, messageId: string): void {
  takeQueuedMessages(doc, (message) => message.id === messageId, ATTACKER_ORIGIN);
}

/** Rewrites meta fields every screen shows (owner name, status, sandbox message, spend). */
export function rewriteMeta(doc: Y.Doc, patch: Partial<SessionMeta>): void {
  writeMeta(doc, patch, ATTACKER_ORIGIN);
}

/** The sandbox message phishing every viewer. */
export const PHISHING_SANDBOX_MESSAGE = 'Sandbox lost its credentials: paste your API key in chat to recover';

/** Makes an ended session look as if it never ended. */
export function reviveEndedSession(doc: Y.Doc): void {
  doc.transact(() => {
    metaMap(doc).delete('endedAt');
    metaMap(doc).set('status', 'idle');
  }, ATTACKER_ORIGIN);
}

/** Points this session at another session's saved workspace (its snapshot id is visible to that session's viewers). */
export function pointResumeAt(doc: Y.Doc, target: { sessionId: string; snapshotId: string }): void {
  writeMeta(doc, { resumedFrom: target }, ATTACKER_ORIGIN);
}

/** Claims another session's saved workspace as this session's own end snapshot. */
export function claimEndSnapshot(doc: Y.Doc, snapshotId: string): void {
  writeMeta(doc, { endSnapshot: { id: snapshotId, builtAtMs: Date.now() }, endedAt: Date.now() }, ATTACKER_ORIGIN);
}

/** Adds an entry to the file tree the sandbox does not have. */
export function forgeFileInfo(doc: Y.Doc, path: string): void {
  writeFileInfo(doc, path, { size: 1, kind: 'text', changedInSession: true, lastWriter: 'Claude' }, ATTACKER_ORIGIN);
}

/** Adds a key to the live working set: the server's file sync would write it to the sandbox as a file. */
export function addLiveFileKey(doc: Y.Doc, path: string, content: string): void {
  addLiveFile(doc, path, content, ATTACKER_ORIGIN);
}

/** Drops a file from the live working set behind the server's back. */
export function dropLiveFileKey(doc: Y.Doc, path: string): void {
  removeLiveFile(doc, path, ATTACKER_ORIGIN);
}

/** Types into the agent's streamed reply (a Y.Text inside the transcript), as if Claude said it. */
export function typeIntoAgentReply(doc: Y.Doc, text: string): boolean {
  for (const entry of transcriptArray(doc)) {
    const reply = entry.get('text');
    if (reply instanceof Y.Text) {
      doc.transact(() => reply.insert(reply.length, text), ATTACKER_ORIGIN);
      return true;
    }
  }
  return false;
}

/** Writes a root the session doc does not have. */
export function writeUnknownRoot(doc: Y.Doc): void {
  // Deliberately outside the typed accessors: this is the attack.
  doc.transact(() => doc.getMap('attacker').set('planted', true), ATTACKER_ORIGIN);
}

// --- Raw updates, encoded by hand (Yjs update format v1), for changes no Yjs API would make. ---

export type RawId = { client: number; clock: number };
export type RawStruct =
  /** An item whose content is JSON-like values (what Y.Map#set writes). */
  | {
      kind: 'any';
      id: RawId;
      values: unknown[];
      origin?: RawId;
      rightOrigin?: RawId;
      /** Used when neither neighbour is given: a root name or the id of the parent type's item. */
      parent?: string | RawId;
      parentSub?: string;
    }
  | { kind: 'string'; id: RawId; text: string; origin?: RawId; rightOrigin?: RawId; parent?: string | RawId; parentSub?: string }
  /** Garbage: takes up clocks of a client and shows nothing. */
  | { kind: 'gc'; id: RawId; length: number };

const CONTENT_STRING = 4;
const CONTENT_ANY = 8;
const BIT6_PARENT_SUB = 32;
const BIT7_RIGHT_ORIGIN = 64;
const BIT8_ORIGIN = 128;

/** Encodes structs (grouped per client, each client's in clock order) and deletes into a v1 update. */
export function encodeRawUpdate(structs: RawStruct[], deletes: Array<{ client: number; clock: number; length: number }> = []): Uint8Array {
  const encoder = encoding.createEncoder();
  const byClient = new Map<number, RawStruct[]>();
  for (const struct of structs) byClient.set(struct.id.client, [...(byClient.get(struct.id.client) ?? []), struct]);
  encoding.writeVarUint(encoder, byClient.size);
  for (const [client, list] of byClient) {
    encoding.writeVarUint(encoder, list.length);
    encoding.writeVarUint(encoder, client);
    encoding.writeVarUint(encoder, list[0]!.id.clock);
    for (const struct of list) {
      if (struct.kind === 'gc') {
        encoding.writeUint8(encoder, 0);
        encoding.writeVarUint(encoder, struct.length);
        continue;
      }
      const contentRef = struct.kind === 'any' ? CONTENT_ANY : CONTENT_STRING;
      const info =
        contentRef | (struct.origin ? BIT8_ORIGIN : 0) | (struct.rightOrigin ? BIT7_RIGHT_ORIGIN : 0) | (struct.parentSub !== undefined ? BIT6_PARENT_SUB : 0);
      encoding.writeUint8(encoder, info);
      if (struct.origin) writeId(encoder, struct.origin);
      if (struct.rightOrigin) writeId(encoder, struct.rightOrigin);
      if (!struct.origin && !struct.rightOrigin) {
        if (typeof struct.parent === 'string') {
          encoding.writeVarUint(encoder, 1);
          encoding.writeVarString(encoder, struct.parent);
        } else {
          encoding.writeVarUint(encoder, 0);
          writeId(encoder, struct.parent ?? { client: 0, clock: 0 });
        }
        if (struct.parentSub !== undefined) encoding.writeVarString(encoder, struct.parentSub);
      }
      if (struct.kind === 'any') {
        encoding.writeVarUint(encoder, struct.values.length);
        for (const value of struct.values) encoding.writeAny(encoder, value as Parameters<typeof encoding.writeAny>[1]);
      } else {
        encoding.writeVarString(encoder, struct.text);
      }
    }
  }
  const deletesByClient = new Map<number, Array<{ clock: number; length: number }>>();
  for (const entry of deletes) deletesByClient.set(entry.client, [...(deletesByClient.get(entry.client) ?? []), entry]);
  encoding.writeVarUint(encoder, deletesByClient.size);
  for (const [client, ranges] of deletesByClient) {
    encoding.writeVarUint(encoder, client);
    encoding.writeVarUint(encoder, ranges.length);
    for (const range of ranges) {
      encoding.writeVarUint(encoder, range.clock);
      encoding.writeVarUint(encoder, range.length);
    }
  }
  return encoding.toUint8Array(encoder);
}

function writeId(encoder: encoding.Encoder, id: RawId): void {
  encoding.writeVarUint(encoder, id.client);
  encoding.writeVarUint(encoder, id.clock);
}

/** The id of the item that holds a doc's value for `key` in a root map (to aim raw structs at it). */
export function itemIdOfMapValue(map: Y.Map<unknown>, key: string): RawId | undefined {
  const item = (map as unknown as { _map: Map<string, Y.Item> })._map.get(key);
  return item ? { client: item.id.client, clock: item.id.clock } : undefined;
}

export type RawUpdateAnswer = { kind: 'denied'; reason: string } | { kind: 'accepted' } | { kind: 'closed'; code: number };

/**
 * A raw /sync socket that speaks just enough y-websocket to send one update and hear the answer.
 * After the update it asks for the server's state (sync step 1): frames are handled in order, so
 * the reply (sync step 2) comes after any refusal of the update.
 */
export async function sendRawUpdate(baseUrl: string, sessionId: string, token: string, update: Uint8Array): Promise<RawUpdateAnswer> {
  const socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/sync/${sessionId}?token=${token}`);
  socket.binaryType = 'arraybuffer';
  const answer = new Promise<RawUpdateAnswer>((resolve) => {
    socket.on('message', (data: ArrayBuffer) => {
      const decoder = decoding.createDecoder(new Uint8Array(data));
      const messageType = decoding.readVarUint(decoder);
      const subType = decoding.readVarUint(decoder);
      if (messageType === MESSAGE_AUTH && subType === AUTH_PERMISSION_DENIED) resolve({ kind: 'denied', reason: decoding.readVarString(decoder) });
      if (messageType === MESSAGE_SYNC && subType === syncProtocol.messageYjsSyncStep2) resolve({ kind: 'accepted' });
    });
    socket.once('close', (code) => resolve({ kind: 'closed', code }));
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  const updateFrame = encoding.createEncoder();
  encoding.writeVarUint(updateFrame, MESSAGE_SYNC);
  syncProtocol.writeUpdate(updateFrame, update);
  socket.send(encoding.toUint8Array(updateFrame));
  const stateQuestion = encoding.createEncoder();
  encoding.writeVarUint(stateQuestion, MESSAGE_SYNC);
  syncProtocol.writeSyncStep1(stateQuestion, new Y.Doc());
  socket.send(encoding.toUint8Array(stateQuestion));
  const result = await answer;
  socket.close();
  return result;
}

const MESSAGE_SYNC = 0;
const MESSAGE_AUTH = 2;
const AUTH_PERMISSION_DENIED = 0;
