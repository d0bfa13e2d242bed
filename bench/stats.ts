import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export function percentile(sorted: number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

export function summarize(samples: number[]) {
  const sorted = [...samples].sort((left, right) => left - right);
  return {
    count: sorted.length,
    p50: percentile(sorted, 0.5),
    p95: percentile(sorted, 0.95),
    p99: percentile(sorted, 0.99),
    max: sorted.at(-1) ?? Number.NaN,
  };
}

export interface BenchRow {
  metric: string;
  value: number;
  unit: string;
  target?: string;
}

/** Prints the rows as a table and writes them as JSON to bench/results/<name>.json. */
export async function report(name: string, rows: BenchRow[], context: Record<string, unknown>): Promise<void> {
  // The machine may be shared: the load when the bench ended says how much to trust its figures.
  const loadAverage = os.loadavg().map((load) => Number(load.toFixed(2)));
  console.log(`\n${name} (load average ${loadAverage.join(' / ')} on ${os.cpus().length} cores)`);
  console.table(rows.map((row) => ({ metric: row.metric, value: Number(row.value.toFixed(3)), unit: row.unit, target: row.target ?? '' })));
  const directory = path.join('bench', 'results');
  await mkdir(directory, { recursive: true });
  const file = path.join(directory, `${name}.json`);
  await writeFile(file, `${JSON.stringify({ name, measuredAt: new Date().toISOString(), loadAverage, context, rows }, null, 2)}\n`);
  console.log(`written to ${file}`);
}
