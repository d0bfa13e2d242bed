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
  return { ...logger, error: (message: string, error?: unknown) => logger.error(redactor.redact(message), redactError(error)) };
}
