import { expect, it } from 'vitest';
import { runProcess } from './run-process.js';

it('reports output as it arrives, a character split across chunks whole, and only what stays within the cap', async () => {
  const seen: Array<[string, string]> = [];
  // "é" is two bytes; the sleep makes them arrive as two chunks. stderr is written first: once the
  // flood passes the cap nothing more is reported, and a loaded machine may read the pipes in any order.
  const script = "printf 'oops\\n' >&2; printf '\\303'; sleep 0.2; printf '\\251 ok\\n'; head -c 5000 /dev/zero | tr '\\0' x";
  // --norc: bash reads ~/.bashrc even for -c when its stdin looks like a network connection (its rshd rule), and this host's prints errors.
  const result = await runProcess('bash', ['--norc', '-c', script], { maxOutputBytes: 1_000, onOutput: (text, stream) => seen.push([stream, text]) });
  expect(seen.filter(([stream]) => stream === 'stdout').map(([, text]) => text).join('')).toBe(result.stdout);
  expect(result.stdout.startsWith('é ok\n')).toBe(true);
  expect(seen.some(([, text]) => text.includes('\uFFFD'))).toBe(false);
  expect(seen).toContainEqual(['stderr', 'oops\n']);
  expect(result.truncated).toBe(true);
  expect(seen.map(([, text]) => Buffer.byteLength(text)).reduce((sum, bytes) => sum + bytes, 0)).toBeLessThanOrEqual(1_000);
});
