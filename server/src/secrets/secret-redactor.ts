/**
 * Takes secret values out of text the server records or relays, replacing each with `[secret NAME]`.
 * One redactor per session, knowing every value its sandbox was given (and keeping them after a
 * secret is deleted: running shells still hold the old value) plus their base64 forms.
 */

export interface NamedSecretValue {
  name: string;
  value: string;
}

export const redactionMarker = (name: string) => `[secret ${name}]`;

interface Pattern {
  text: string;
  name: string;
}

function encodings(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8');
  const base64 = bytes.toString('base64').replace(/=+$/, '');
  const base64Url = bytes.toString('base64url');
  return [value, base64, base64Url];
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export class SecretRedactor {
  private patterns: Pattern[] = [];
  private matcher: RegExp | null = null;
  private readonly byText = new Map<string, string>();

  constructor(secrets: readonly NamedSecretValue[] = []) {
    this.add(secrets);
  }

  /** Learns more values; values already known keep being redacted. */
  add(secrets: readonly NamedSecretValue[]): void {
    let changed = false;
    for (const secret of secrets) {
      if (secret.value === '') continue;
      for (const text of encodings(secret.value)) {
        if (this.byText.has(text)) continue;
        this.byText.set(text, secret.name);
        changed = true;
      }
    }
    if (!changed) return;
    // Longest first: the alternation then takes the longest pattern at each place.
    this.patterns = [...this.byText].map(([text, name]) => ({ text, name })).sort((a, b) => b.text.length - a.text.length);
    this.matcher = new RegExp(this.patterns.map((pattern) => escapeRegExp(pattern.text)).join('|'), 'g');
  }

  get isEmpty(): boolean {
    return this.patterns.length === 0;
  }

  /** Length of the longest pattern: how much a stream must look back over to catch a split value. */
  get longestPattern(): number {
    return this.patterns[0]?.text.length ?? 0;
  }

  redact(text: string): string {
    if (!this.matcher || text === '') return text;
    return text.replace(this.matcher, (found) => redactionMarker(this.byText.get(found) ?? 'value'));
  }

  /** Every match in `text`, as [start, end, name]. */
  matches(text: string): Array<{ start: number; end: number; name: string }> {
    if (!this.matcher) return [];
    const found: Array<{ start: number; end: number; name: string }> = [];
    for (const match of text.matchAll(this.matcher)) found.push({ start: match.index, end: match.index + match[0].length, name: this.byText.get(match[0]) ?? 'value' });
    return found;
  }

  /** Length of the longest end of `text` that begins some pattern (a value that may go on in the next chunk). */
  partialMatchAtEnd(text: string): number {
    const longest = Math.min(this.longestPattern - 1, text.length);
    for (let length = longest; length > 0; length -= 1) {
      const tail = text.slice(text.length - length);
      if (this.patterns.some((pattern) => pattern.text.length > length && pattern.text.startsWith(tail))) return length;
    }
    return 0;
  }
}

/**
 * A redactor for a stream (terminal output, a running command's output): a value split across two
 * chunks is still caught. The end of a chunk that could begin a value is held back until the next
 * chunk (or `flush`) says whether it does.
 */
export class StreamRedactor {
  private held = '';

  constructor(private readonly redactor: SecretRedactor) {}

  /** What may be shown now of `chunk`, redacted. */
  push(chunk: string): string {
    const text = this.held + chunk;
    this.held = '';
    if (this.redactor.isEmpty) return text;
    let shown = '';
    let position = 0;
    for (const match of this.redactor.matches(text)) {
      shown += text.slice(position, match.start) + redactionMarker(match.name);
      position = match.end;
    }
    const rest = text.slice(position);
    const holdLength = this.redactor.partialMatchAtEnd(rest);
    this.held = rest.slice(rest.length - holdLength);
    return shown + rest.slice(0, rest.length - holdLength);
  }

  /** True while the end of what came is held back. */
  get holding(): boolean {
    return this.held !== '';
  }

  /** The held-back end (the stream ended or paused: it was no value after all, or only part of one). */
  flush(): string {
    const rest = this.held;
    this.held = '';
    return this.redactor.redact(rest);
  }
}
