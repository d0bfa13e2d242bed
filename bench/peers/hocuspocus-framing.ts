import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import WebSocket from 'ws';

/**
 * Hocuspocus speaks the y-websocket messages with the document name in front of each and an auth
 * message first. This socket adds and strips that framing so the stock y-websocket client (the same
 * client every server in the bench gets) can talk to a stock Hocuspocus server. Message numbers are
 * Hocuspocus's (`MessageType` in @hocuspocus/server).
 */
const HOCUSPOCUS_AUTH = 2;
const HOCUSPOCUS_AUTH_TOKEN = 0;
/** Sync, awareness and query-awareness mean the same to both; the rest (auth replies, sync status acks) are Hocuspocus's own. */
const SHARED_MESSAGE_TYPES = new Set([0, 1, 3]);

interface SocketEventHandlers {
  onopen: ((event: object) => void) | null;
  onmessage: ((event: { data: Uint8Array }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

/** A WebSocket class for y-websocket's `WebSocketPolyfill` option; `token` goes in the auth message. */
export function hocuspocusSocketClass(token: string): typeof globalThis.WebSocket {
  class HocuspocusFramedSocket implements SocketEventHandlers {
    readonly OPEN = WebSocket.OPEN;
    binaryType = 'arraybuffer';
    onopen: SocketEventHandlers['onopen'] = null;
    onmessage: SocketEventHandlers['onmessage'] = null;
    onclose: SocketEventHandlers['onclose'] = null;
    onerror: SocketEventHandlers['onerror'] = null;
    private readonly socket: WebSocket;
    private readonly documentName: string;

    constructor(url: string) {
      // y-websocket connects to <server>/<room>[?params]; Hocuspocus names the document in each message instead.
      this.documentName = decodeURIComponent(new URL(url).pathname.slice(1));
      this.socket = new WebSocket(url);
      this.socket.binaryType = 'arraybuffer';
      this.socket.on('open', () => {
        const auth = encoding.createEncoder();
        encoding.writeVarUint(auth, HOCUSPOCUS_AUTH);
        encoding.writeVarUint(auth, HOCUSPOCUS_AUTH_TOKEN);
        encoding.writeVarString(auth, token);
        this.send(encoding.toUint8Array(auth));
        this.onopen?.({});
      });
      this.socket.on('message', (data: ArrayBuffer) => {
        const bytes = new Uint8Array(data);
        const decoder = decoding.createDecoder(bytes);
        if (decoding.readVarString(decoder) !== this.documentName) return;
        if (!SHARED_MESSAGE_TYPES.has(decoding.peekVarUint(decoder))) return;
        this.onmessage?.({ data: bytes.subarray(decoder.pos) });
      });
      this.socket.on('close', (code, reason) => this.onclose?.({ code, reason: reason.toString() }));
      this.socket.on('error', (error) => this.onerror?.(error));
    }

    get readyState(): number {
      return this.socket.readyState;
    }

    send(message: Uint8Array): void {
      const framed = encoding.createEncoder();
      encoding.writeVarString(framed, this.documentName);
      encoding.writeUint8Array(framed, message);
      this.socket.send(encoding.toUint8Array(framed));
    }

    close(): void {
      this.socket.close();
    }
  }
  return HocuspocusFramedSocket as unknown as typeof globalThis.WebSocket;
}
