import { useEffect, useState } from 'react';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { observeSessionDoc, type SessionDocRoot } from '@tandem/shared/doc/schema.js';
import { describeCloseCode, isFatalCloseCode } from '@tandem/shared/protocol/errors.js';
import { SYNC_PATH, TOKEN_QUERY_PARAM } from '@tandem/shared/protocol/http.js';
import type { PresenceState } from '@tandem/shared/protocol/presence.js';
import type { StoredIdentity } from './identity.js';

export type ConnectionState =
  | { kind: 'connecting' }
  | { kind: 'live' }
  | { kind: 'reconnecting'; message: string }
  | { kind: 'closed'; message: string };

export interface SessionSync {
  doc: Y.Doc;
  provider: WebsocketProvider;
}

function syncServerUrl(): string {
  const protocol = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${protocol}//${window.location.host}${SYNC_PATH}`;
}

/** One Y.Doc for the session, kept in sync over /sync with the stock y-websocket provider. */
export function useSessionSync(sessionId: string, identity: StoredIdentity): { sync: SessionSync | null; connection: ConnectionState } {
  const [sync, setSync] = useState<SessionSync | null>(null);
  const [connection, setConnection] = useState<ConnectionState>({ kind: 'connecting' });

  useEffect(() => {
    const doc = new Y.Doc();
    const provider = new WebsocketProvider(syncServerUrl(), sessionId, doc, {
      params: { [TOKEN_QUERY_PARAM]: identity.token },
      maxBackoffTime: 2000,
    });
    const presence: PresenceState = { user: identity.user, focus: null };
    provider.awareness.setLocalState(presence);
    provider.on('status', ({ status }) => {
      if (status === 'connected') setConnection({ kind: 'live' });
    });
    provider.on('connection-close', (event) => {
      const code = event?.code ?? 0;
      if (isFatalCloseCode(code)) {
        provider.disconnect();
        setConnection({ kind: 'closed', message: describeCloseCode(code) });
      } else {
        setConnection({ kind: 'reconnecting', message: describeCloseCode(code) });
      }
    });
    setSync({ doc, provider });
    return () => {
      provider.destroy();
      doc.destroy();
      setSync(null);
    };
  }, [sessionId, identity.token, identity.user]);

  return { sync, connection };
}

/** Re-reads `read(doc)` after every change to the doc roots it reads (give them: a keystroke or a token must not re-read everything). */
export function useDocValue<T>(doc: Y.Doc, read: (doc: Y.Doc) => T, roots: readonly SessionDocRoot[]): T {
  const [value, setValue] = useState(() => read(doc));
  const rootsKey = roots.join(',');
  useEffect(() => {
    setValue(read(doc));
    return observeSessionDoc(doc, () => setValue(read(doc)), rootsKey.split(',') as SessionDocRoot[]);
  }, [doc, read, rootsKey]);
  return value;
}
