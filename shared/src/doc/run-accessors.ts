import type * as Y from 'yjs';
import type { DocOrigin } from './origins.js';
import { runViewSchema, type RunView } from './run-schema.js';
import { runMap } from './schema.js';
import { guardValue } from './text-guard.js';

/** The key of the current run in the `run` root (one run per session at a time; a new run replaces it). */
const CURRENT_RUN_KEY = 'current';

/** The session's blueprint run as the doc shows it, or undefined when none has started (or it does not parse). */
export function readRun(doc: Y.Doc): RunView | undefined {
  const raw = runMap(doc).get(CURRENT_RUN_KEY);
  if (raw === undefined) return undefined;
  const parsed = runViewSchema.safeParse(raw);
  return parsed.success ? parsed.data : undefined;
}

/** Replaces the run's view (a plain value: small, capped, written whole a few times per step). */
export function writeRun(doc: Y.Doc, run: RunView, origin: DocOrigin): void {
  doc.transact(() => runMap(doc).set(CURRENT_RUN_KEY, guardValue(doc, JSON.parse(JSON.stringify(run)) as RunView)), origin);
}
