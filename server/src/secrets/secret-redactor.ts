/**
 * Takes secret values out of text the server records or relays, replacing each with `[secret NAME]`.
 * One redactor per session, knowing every value its sandbox was given (and keeping them after a
 * secret is deleted: running shells still hold the old value) plus the forms a shell makes of them
 * for free (see `secretForms`).
 *
 * Matching ignores line breaks: text is matched with every `\r` and `\n` taken out, so a multi-line
 * value printed through a PTY (`\n` → `\r\n`) and base64 or hex wrapped at any width are caught; the
 * whole span, line breaks included, is replaced.
 */

import type { DocTextGuard } from '@tandem/shared/doc/text-guard.js';

export interface NamedSecretValue {
  name: string;
  value: string;
}

export const redactionMarker = (name: string) => `[secret ${name}]`;

/** Forms derived from a value (encodings, case) shorter than this are not matched: too likely to occur by chance. */
export const MIN_DERIVED_FORM_CHARS = 8;

/** A possible start of a value this short is held back only briefly, and not past the end of its line. */
export const SHORT_PARTIAL_CHARS = 3;

const LINE_BREAKS = /[\r\n]/g;
const stripLineBreaks = (text: string) => text.replace(LINE_BREAKS, '');

/**
 * The part of `base64(prefix of `offset` bytes + value + anything)` that depends on the value alone:
 * the characters whose 6 bits all lie inside the value's bytes. Matching these catches the value's
 * base64 wherever it starts in the encoded stream (`env | base64`, `printf x$S | base64`) and
 * whatever follows it (`echo $S | base64` adds a newline).
 */
function base64Core(bytes: Buffer, offset: number): string {
  const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
  const first = Math.ceil((8 * offset) / 6);
  const end = Math.floor((8 * (offset + bytes.length)) / 6);
  return encoded.slice(first, end);
}

/**
 * What a value may look like in text: itself (any case: a proxy lower-cases a host name), its JSON
 * string form, its URL-encoding, its hex (either case) and its base64 at each of the three byte
 * offsets (standard and URL alphabets). Line breaks are taken out (see the module comment).
 */
export function secretForms(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8');
  // The whole base64 of the value alone (its last character included), then the cores that hold wherever it starts.
  const derived = new Set<string>([bytes.toString('base64').replace(/=+$/, ''), bytes.toString('base64url'), value.toLowerCase(), value.toUpperCase(), JSON.stringify(value).slice(1, -1), encodeURIComponent(value), bytes.toString('hex'), bytes.toString('hex').toUpperCase()]);
  for (let offset = 0; offset < 3; offset += 1) {
    const core = base64Core(bytes, offset);
    derived.add(core);
    derived.add(core.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  const exact = stripLineBreaks(value);
  const forms = new Set<string>(exact === '' ? [] : [exact]);
  for (const form of derived) {
    const stripped = stripLineBreaks(form);
    if (stripped.length >= MIN_DERIVED_FORM_CHARS) forms.add(stripped);
  }
  return [...forms];
}

interface Pattern {
  text: string;
  name: string;
}

/** Text with its line breaks taken out, and where each remaining character was in the original. */
interface Normalized {
  text: string;
  /** origin[i] is the index in the original text of `text[i]`; null when nothing was taken out. */
  origin: Int32Array | null;
}

function normalize(text: string): Normalized {
  if (!/[\r\n]/.test(text)) return { text, origin: null };
  const kept = stripLineBreaks(text);
  const origin = new Int32Array(kept.length);
  let next = 0;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (code !== 13 && code !== 10) origin[next++] = index;
  }
  return { text: kept, origin };
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export interface SecretMatch {
  start: number;
  end: number;
  name: string;
}

export class SecretRedactor {
  private patterns: Pattern[] = [];
  private matcher: RegExp | null = null;
  /** The start of each pattern: text holding none of them holds no match, found without the regex. */
  private probes: string[] = [];
  private readonly byText = new Map<string, string>();

  constructor(secrets: readonly NamedSecretValue[] = []) {
    this.add(secrets);
  }

  /** Learns more values; values already known keep being redacted. */
  add(secrets: readonly NamedSecretValue[]): void {
    let changed = false;
    for (const secret of secrets) {
      if (secret.value === '') continue;
      for (const text of secretForms(secret.value)) {
        if (this.byText.has(text)) continue;
        this.byText.set(text, secret.name);
        changed = true;
      }
    }
    if (!changed) return;
    // Longest first: the alternation then takes the longest pattern at each place.
    this.patterns = [...this.byText].map(([text, name]) => ({ text, name })).sort((a, b) => b.text.length - a.text.length);
    this.matcher = new RegExp(this.patterns.map((pattern) => escapeRegExp(pattern.text)).join('|'), 'g');
    this.probes = [...new Set(this.patterns.map((pattern) => pattern.text.slice(0, MIN_DERIVED_FORM_CHARS)))];
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
    let shown = '';
    let position = 0;
    for (const match of this.matches(text)) {
      shown += text.slice(position, match.start) + redactionMarker(match.name);
      position = match.end;
    }
    return position === 0 ? text : shown + text.slice(position);
  }

  /** Every match in `text` (line breaks inside a match included in its span), in order. */
  matches(text: string): SecretMatch[] {
    if (!this.matcher) return [];
    const normalized = normalize(text);
    if (!this.probes.some((probe) => normalized.text.includes(probe))) return [];
    const found: SecretMatch[] = [];
    for (const match of normalized.text.matchAll(this.matcher)) {
      const start = match.index;
      const end = start + match[0].length;
      const name = this.byText.get(match[0]) ?? 'value';
      if (!normalized.origin) found.push({ start, end, name });
      else found.push({ start: normalized.origin[start]!, end: normalized.origin[end - 1]! + 1, name });
    }
    return found;
  }

  /**
   * Length of the longest end of `text` that could begin some pattern (a value that may go on in
   * the next chunk), line breaks inside and after it included.
   */
  partialMatchAtEnd(text: string): number {
    if (this.isEmpty || text === '') return 0;
    const normalized = normalize(text);
    const length = normalized.text.length;
    let longest = 0;
    for (const pattern of this.patterns) {
      // Where the pattern's first character stands in the last (its length - 1) characters, earliest first.
      const reach = Math.min(pattern.text.length - 1, length);
      if (reach <= longest) continue;
      const first = pattern.text[0]!;
      for (let start = normalized.text.indexOf(first, length - reach); start !== -1 && length - start > longest; start = normalized.text.indexOf(first, start + 1)) {
        if (pattern.text.startsWith(normalized.text.substring(start))) {
          longest = length - start;
          break;
        }
      }
    }
    if (longest === 0) return 0;
    const startInNormalized = length - longest;
    const startInText = normalized.origin ? normalized.origin[startInNormalized]! : startInNormalized;
    // A line ending in a few characters that happen to begin some form is a finished line, shown now
    // (held, it came apart from the rest of its line): a value wrapped onto the next line after only
    // SHORT_PARTIAL_CHARS of it is not caught.
    if (longest <= SHORT_PARTIAL_CHARS && /[\r\n]/.test(text.slice(startInText))) return 0;
    return text.length - startInText;
  }
}

/**
 * A redactor for a stream (terminal output, a running command's output, the model's text): a value
 * split across chunks, or across lines, is still caught. The end of a chunk that could begin a value
 * is held back until the next chunk (or `flush`) says whether it does.
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

  get heldLength(): number {
    return this.held.length;
  }

  /** The held-back end (the stream ended or paused: it was no value after all, or only part of one). */
  flush(): string {
    const rest = this.held;
    this.held = '';
    return this.redactor.redact(rest);
  }
}

/** The doc's text guard made of a session's redactor (see shared/src/doc/text-guard.ts). */
export function redactingTextGuard(redactor: SecretRedactor): DocTextGuard {
  return { text: (value) => redactor.redact(value), stream: () => new StreamRedactor(redactor) };
}
