import type { SecretRedactor } from './secret-redactor.js';

interface Logger {
  error(message: string, error?: unknown): void;
}

/** The server's log with every secret value a session here was given taken out (messages and errors quote output). */
export function redactingLogger<L extends Logger>(logger: L, redactor: SecretRedactor): L {
  const redactError = (error: unknown): unknown => {
    if (redactor.isEmpty || error === undefined) return error;
    if (error instanceof Error) {
      const copy = new Error(redactor.redact(error.message));
      copy.name = error.name;
      copy.stack = error.stack === undefined ? undefined : redactor.redact(error.stack);
      return copy;
    }
    return redactor.redact(typeof error === 'string' ? error : JSON.stringify(error) ?? String(error));
  };
  const redacted: Record<string, unknown> = { ...(logger as object) };
  // Every level the logger has (info, warn, …), not only error: one gate for the log.
  for (const [level, write] of Object.entries(logger as object)) {
    if (typeof write === 'function') redacted[level] = (message: unknown, ...rest: unknown[]) => (write as (...args: unknown[]) => void).call(logger, typeof message === 'string' ? redactor.redact(message) : message, ...rest.map(redactError));
  }
  return redacted as unknown as L;
}
