import { useCallback, useState } from 'react';
import type { WebsocketProvider } from 'y-websocket';
import { api } from '../../lib/api.js';
import { errorMessage } from '../../lib/use-action.js';

export interface OpenFileState {
  path: string | null;
  error: string | null;
  /** Bumped on every open, so the editor shows the file even when it was already the open one. */
  openCount: number;
  open(path: string): void;
  close(): void;
}

/** Which file this person has open: loads it into the live working set and tells the others (awareness). */
export function useOpenFile(sessionId: string, provider: WebsocketProvider): OpenFileState {
  const [path, setPath] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [openCount, setOpenCount] = useState(0);

  const open = useCallback(
    (next: string) => {
      setError(null);
      setPath(next);
      setOpenCount((count) => count + 1);
      provider.awareness.setLocalStateField('openFile', next);
      api.openFile(sessionId, next).catch((caught: unknown) => {
        setError(errorMessage(caught, `Could not open ${next}; try again.`));
      });
    },
    [sessionId, provider],
  );
  const close = useCallback(() => {
    setPath(null);
    setError(null);
    provider.awareness.setLocalStateField('openFile', null);
  }, [provider]);
  return { path, error, openCount, open, close };
}
