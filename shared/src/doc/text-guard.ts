import type * as Y from 'yjs';

/**
 * The one gate every string an accessor writes into a doc passes. The server registers a guard per
 * session doc (its secret redactor), so no writer of the transcript, plan, queue, meta, run or
 * network roots can put a secret value in front of viewers by forgetting to redact. A doc without a
 * guard (a browser's, a test's) writes strings as given. Files' text is not guarded: it is the
 * workspace's content, synced both ways.
 */
export interface DocTextGuard {
  /** A whole string, with whatever must not be shown taken out. */
  text(value: string): string;
  /** A stream of pieces (a reply as it is generated): an end that could begin a secret waits for the next piece. */
  stream(): TextStreamGuard;
}

export interface TextStreamGuard {
  push(chunk: string): string;
  /** The held-back end, once the stream is over. */
  flush(): string;
}

const guards = new WeakMap<Y.Doc, DocTextGuard>();
const streams = new WeakMap<Y.Text, TextStreamGuard>();

export function setDocTextGuard(doc: Y.Doc, guard: DocTextGuard): void {
  guards.set(doc, guard);
}

export function guardText(doc: Y.Doc, text: string): string {
  const guard = guards.get(doc);
  return guard ? guard.text(text) : text;
}

const isPlainObject = (value: object): value is Record<string, unknown> => {
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
};

/** Every string inside a plain value (objects and arrays, however deep) passed through the doc's guard. */
export function guardValue<T>(doc: Y.Doc, value: T): T {
  const guard = guards.get(doc);
  return guard ? (guardDeep(guard, value) as T) : value;
}

function guardDeep(guard: DocTextGuard, value: unknown): unknown {
  if (typeof value === 'string') return guard.text(value);
  if (Array.isArray(value)) return value.map((item) => guardDeep(guard, item));
  if (value !== null && typeof value === 'object' && isPlainObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, guardDeep(guard, item)]));
  }
  return value;
}

/** A piece of text streamed into `target` (one stream per target), as much of it as may be shown now. */
export function guardStreamChunk(doc: Y.Doc, target: Y.Text, chunk: string): string {
  const guard = guards.get(doc);
  if (!guard) return chunk;
  let stream = streams.get(target);
  if (!stream) {
    stream = guard.stream();
    streams.set(target, stream);
  }
  return stream.push(chunk);
}

/** What `target`'s stream held back, now that it has ended. */
export function flushStream(target: Y.Text): string {
  const stream = streams.get(target);
  if (!stream) return '';
  streams.delete(target);
  return stream.flush();
}
