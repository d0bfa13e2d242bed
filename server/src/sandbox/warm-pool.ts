import type { Sandbox, SandboxProvider, SnapshotRef } from './provider.js';

/** Idle sandboxes kept booted per snapshot, so a new session takes one instead of waiting. */
export const DEFAULT_WARM_POOL_SIZE = 2;

export interface PoolLogger {
  error(message: string, error?: unknown): void;
}

export interface PoolState {
  idle: number;
  booting: number;
}

/** Pure: how many sandboxes to boot for a snapshot now. */
export function decidePoolRefill(state: PoolState, size: number): number {
  return Math.max(0, size - state.idle - state.booting);
}

export interface WarmPool {
  /** An idle, booted sandbox for this snapshot, or undefined (then boot one cold). Refills in the background. */
  take(snapshot: SnapshotRef): Sandbox | undefined;
  /** Keeps `size` sandboxes booted for this snapshot from now on. */
  fill(snapshot: SnapshotRef): void;
  /** Closes idle sandboxes of snapshots other than `current` for this repo (after a rebuild). */
  retire(repo: string, current: SnapshotRef): Promise<void>;
  /** Resolves once nothing is booting (tests and benchmarks wait for a full pool). */
  settled(): Promise<void>;
  close(): Promise<void>;
}

export function createWarmPool(options: { provider: SandboxProvider; size: number; logger: PoolLogger }): WarmPool {
  const entries = new Map<string, { snapshot: SnapshotRef; idle: Sandbox[]; booting: number }>();
  const inFlight = new Set<Promise<void>>();
  let closed = false;

  const entryFor = (snapshot: SnapshotRef) => {
    let entry = entries.get(snapshot.id);
    if (!entry) {
      entry = { snapshot, idle: [], booting: 0 };
      entries.set(snapshot.id, entry);
    }
    return entry;
  };

  function fill(snapshot: SnapshotRef): void {
    if (closed || options.size <= 0) return;
    const entry = entryFor(snapshot);
    const count = decidePoolRefill({ idle: entry.idle.length, booting: entry.booting }, options.size);
    for (let index = 0; index < count; index += 1) {
      entry.booting += 1;
      const boot = options.provider
        .create({ sessionId: 'warm-pool', snapshot })
        .then(async (sandbox) => {
          if (closed || entries.get(snapshot.id) !== entry) await sandbox.close();
          else entry.idle.push(sandbox);
        })
        .catch((error: unknown) => options.logger.error(`warm pool could not boot a sandbox for ${snapshot.repo}`, error))
        .finally(() => {
          entry.booting -= 1;
          inFlight.delete(boot);
        });
      inFlight.add(boot);
    }
  }

  return {
    take(snapshot) {
      const sandbox = entries.get(snapshot.id)?.idle.shift();
      fill(snapshot);
      return sandbox;
    },
    fill,
    async retire(repo, current) {
      for (const [id, entry] of entries) {
        if (entry.snapshot.repo !== repo || id === current.id) continue;
        entries.delete(id);
        await Promise.all(entry.idle.map((sandbox) => sandbox.close()));
      }
      fill(current);
    },
    async settled() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
    async close() {
      closed = true;
      await Promise.allSettled([...inFlight]);
      const idle = [...entries.values()].flatMap((entry) => entry.idle);
      entries.clear();
      await Promise.all(idle.map((sandbox) => sandbox.close()));
    },
  };
}
