import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Where the sandbox's PostgreSQL listens: a unix socket in the repo's ignored .services/ folder (see .tandem/environment.json). */
export const SOCKET_DIR = process.env.PGHOST ?? fileURLToPath(new URL('../.services/postgres', import.meta.url));

/** Runs SQL through psql (from /usr/bin) and returns the rows as arrays of strings; no npm dependencies. */
export async function query(sql) {
  const { stdout } = await run('psql', ['-h', SOCKET_DIR, '-U', 'postgres', '-d', 'postgres', '-X', '-q', '-A', '-t', '-F', '\t', '-v', 'ON_ERROR_STOP=1', '-c', sql]);
  return stdout.split('\n').filter((line) => line !== '').map((line) => line.split('\t'));
}

const quote = (text) => `'${String(text).replace(/'/g, "''")}'`;

export async function addTodo(title) {
  await query('CREATE TABLE IF NOT EXISTS todos (id serial PRIMARY KEY, title text NOT NULL, done boolean NOT NULL DEFAULT false)');
  const [[id]] = await query(`INSERT INTO todos (title) VALUES (${quote(title)}) RETURNING id`);
  return Number(id);
}

export async function finishTodo(id) {
  await query(`UPDATE todos SET done = true WHERE id = ${Number(id)}`);
}

export async function openTodos() {
  const rows = await query('SELECT title FROM todos WHERE NOT done ORDER BY id');
  return rows.map(([title]) => title);
}
