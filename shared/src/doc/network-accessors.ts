import * as Y from 'yjs';
import type { DocOrigin } from './origins.js';
import { MAX_NETWORK_DENIALS_IN_DOC, networkDenialSchema, networkMap, type NetworkDenial } from './schema.js';
import { guardText, guardValue } from './text-guard.js';

/** The `network` root: refusals people see live, written by the server's session network only. */

const denialKey = (host: string, port: number) => `${host}:${port}`;

/** The refused connections people see, newest first; entries a peer wrote wrongly are skipped. */
export function readNetworkDenials(doc: Y.Doc): NetworkDenial[] {
  const denials: NetworkDenial[] = [];
  networkMap(doc).forEach((entry) => {
    const parsed = networkDenialSchema.safeParse(entry instanceof Y.Map ? entry.toJSON() : entry);
    if (parsed.success) denials.push(parsed.data);
  });
  return denials.sort((left, right) => right.lastAt - left.lastAt);
}

/** Records a refusal (or one more of it); the oldest entries go past MAX_NETWORK_DENIALS_IN_DOC. */
export function recordNetworkDenial(doc: Y.Doc, refusal: Omit<NetworkDenial, 'attempts' | 'allowedBy'>, origin: DocOrigin): void {
  // The host is whatever the sandbox asked for: a secret used as a host name is shown as its marker, in the key too.
  const denial = guardValue(doc, refusal);
  doc.transact(() => {
    const map = networkMap(doc);
    const key = denialKey(denial.host, denial.port);
    const existing = map.get(key);
    if (existing instanceof Y.Map) {
      existing.set('attempts', Number(existing.get('attempts') ?? 0) + 1);
      existing.set('lastAt', denial.lastAt);
      existing.set('reason', denial.reason);
      existing.delete('allowedBy');
      return;
    }
    const entry = new Y.Map<unknown>();
    for (const [field, value] of Object.entries({ ...denial, attempts: 1 })) entry.set(field, value);
    map.set(key, entry);
    if (map.size > MAX_NETWORK_DENIALS_IN_DOC) {
      const oldest = readNetworkDenials(doc).slice(MAX_NETWORK_DENIALS_IN_DOC);
      for (const old of oldest) map.delete(denialKey(old.host, old.port));
    }
  }, origin);
}

/** Marks every refusal of `host` as opened for the session by `by`. */
export function markNetworkHostAllowed(doc: Y.Doc, openedHost: string, by: string, origin: DocOrigin): void {
  const host = guardText(doc, openedHost);
  doc.transact(() => {
    networkMap(doc).forEach((entry) => {
      if (entry instanceof Y.Map && entry.get('host') === host) entry.set('allowedBy', guardText(doc, by));
    });
  }, origin);
}
