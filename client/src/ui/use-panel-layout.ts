import { useCallback, useEffect, useState } from 'react';
import { clampPanelLayout, layoutStorageKey, parseStoredLayout, type PanelLayout } from './panel-layout.js';

/** This person's panel layout, read from and saved to localStorage under their own id. */
export function usePanelLayout(userId: string): [PanelLayout, (change: Partial<PanelLayout>) => void] {
  const key = layoutStorageKey(userId);
  const [layout, setLayout] = useState(() => parseStoredLayout(readStorage(key)));
  useEffect(() => setLayout(parseStoredLayout(readStorage(key))), [key]);

  const update = useCallback(
    (change: Partial<PanelLayout>) =>
      setLayout((current) => {
        const next = clampPanelLayout({ ...current, ...change });
        writeStorage(key, JSON.stringify(next));
        return next;
      }),
    [key],
  );
  return [layout, update];
}

// Storage can be unavailable (private modes, quota): the layout then lasts as long as the page.
function readStorage(key: string): string | null {
  try {
    return window.localStorage.getItem(key);
  } catch {
    return null;
  }
}

function writeStorage(key: string, value: string): void {
  try {
    window.localStorage.setItem(key, value);
  } catch {
    // Keeping the layout is a convenience; the page works without it.
  }
}
