import ms from 'ms';
import { query, quote } from './db.js';

/** Estimates are written the way people say them ("90m", "2h", "1.5d") and stored in milliseconds. */
export async function estimate(task, duration) {
  const milliseconds = ms(duration);
  if (typeof milliseconds !== 'number' || !(milliseconds > 0)) throw new Error(`"${duration}" is not a duration (try "90m" or "2h")`);
  await query('CREATE TABLE IF NOT EXISTS estimates (task text PRIMARY KEY, milliseconds bigint NOT NULL)');
  await query(`INSERT INTO estimates VALUES (${quote(task)}, ${milliseconds}) ON CONFLICT (task) DO UPDATE SET milliseconds = EXCLUDED.milliseconds`);
}

/** The whole plan's estimate, said back in the largest unit that fits ("5h", "2d"). */
export async function totalEstimate() {
  const [[total]] = await query('SELECT COALESCE(SUM(milliseconds), 0) FROM estimates');
  return ms(Number(total), { long: false });
}
