/** Quotes a value for a POSIX shell command line run in a sandbox. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
