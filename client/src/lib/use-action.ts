import { useCallback, useState } from 'react';
import { ApiError } from './api.js';

/** What to show for a failed call: the server's own message, or `fallback` when it never answered properly. */
export function errorMessage(caught: unknown, fallback: string): string {
  return caught instanceof ApiError ? caught.message : fallback;
}

/** A person's action against the API: whether it is running, and its error for the screen. Resolves true on success. */
export function useAction(fallback: string) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = useCallback(
    async (action: () => Promise<unknown>): Promise<boolean> => {
      setBusy(true);
      setError(null);
      try {
        await action();
        return true;
      } catch (caught) {
        setError(errorMessage(caught, fallback));
        return false;
      } finally {
        setBusy(false);
      }
    },
    [fallback],
  );
  return { busy, error, run };
}
