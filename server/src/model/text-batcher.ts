/**
 * Streams many small token deltas as a few doc updates a second: the first delta after a quiet spell
 * goes out at once, later ones are joined and sent at most every `intervalMs`.
 */
export const DEFAULT_TEXT_FLUSH_INTERVAL_MS = 75;

export interface TextBatcher {
  push(delta: string): void;
  /** Sends whatever is pending now and resolves when it has been written. */
  flush(): Promise<void>;
}

export function createTextBatcher(write: (text: string) => Promise<void>, intervalMs = DEFAULT_TEXT_FLUSH_INTERVAL_MS): TextBatcher {
  let pending = '';
  let timer: NodeJS.Timeout | null = null;
  let lastWriteMs = 0;
  let writing: Promise<void> = Promise.resolve();

  function send(): Promise<void> {
    if (timer) {
      clearTimeout(timer);
      timer = null;
    }
    if (!pending) return writing;
    const text = pending;
    pending = '';
    lastWriteMs = Date.now();
    writing = writing.then(() => write(text));
    return writing;
  }

  return {
    push(delta) {
      pending += delta;
      if (timer) return;
      const waitMs = lastWriteMs + intervalMs - Date.now();
      if (waitMs <= 0) void send();
      else timer = setTimeout(() => void send(), waitMs);
    },
    flush: send,
  };
}
