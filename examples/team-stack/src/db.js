import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Where the sandbox's PostgreSQL listens: a unix socket in the repo's ignored .services/ folder (see .tandem/environment.json). */
export const SOCKET_DIR = process.env.PGHOST ?? fileURLToPath(new URL('../.services/postgres', import.meta.url));

/** Runs SQL through psql (from /usr/bin) and returns the rows as arrays of strings. */
export async function query(sql) {
  const { stdout } = await run('psql', ['-h', SOCKET_DIR, '-U', 'postgres', '-d', 'postgres', '-X', '-q', '-A', '-t', '-F', '\t', '-v', 'ON_ERROR_STOP=1', '-c', sql]);
  return stdout.split('\n').filter((line) => line !== '').map((line) => line.split('\t'));
}

export const quote = (text) => `'${String(text).replace(/'/g, "''")}'`;
