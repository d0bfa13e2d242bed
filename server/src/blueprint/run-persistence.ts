import type { BlueprintRunsRepository } from '../db/repositories/blueprint-runs.js';
import type { RunRecord } from './run-record.js';

/**
 * Writes runs' records to the store in order, one write at a time per run, the latest record winning:
 * a run that changes state several times while a write is under way costs one more write, not one
 * per change, and an older record never lands after a newer one. A caller's promise settles once a
 * record at least as new as its own is stored.
 */
export function createRunPersistence(store: Pick<BlueprintRunsRepository, 'save'>, logger: { error(message: string, error?: unknown): void }) {
  const chains = new Map<string, Promise<void>>();
  const latest = new Map<string, RunRecord>();

  return {
    persist(record: RunRecord): Promise<void> {
      latest.set(record.id, record);
      const step = (chains.get(record.id) ?? Promise.resolve()).then(async () => {
        const newest = latest.get(record.id);
        if (!newest) return;
        latest.delete(record.id);
        // JSON now: the runner keeps changing its objects after it handed them over.
        const frozen = JSON.parse(JSON.stringify(newest)) as RunRecord;
        try {
          await store.save(frozen);
        } catch (error) {
          // The run goes on; a restart would go on from the last state that was stored.
          logger.error(`blueprint run ${record.id}: its state could not be stored`, error);
        }
      });
      chains.set(record.id, step);
      return step;
    },

    /** Every write asked for so far has landed (server shutdown waits for this before closing the store). */
    async flush(): Promise<void> {
      await Promise.allSettled([...chains.values()]);
    },
  };
}
export type RunPersistence = ReturnType<typeof createRunPersistence>;
