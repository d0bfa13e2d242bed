import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { SecretRedactor, StreamRedactor } from '../server/src/secrets/secret-redactor.js';
import { report, summarize, type BenchRow } from './stats.js';

/**
 * What redaction costs a terminal: a session with three secrets (a 2 KB PEM key, an API token, a
 * short base64 key: about 30 forms to match) streams 8 MiB of build output through a StreamRedactor,
 * in 4 KiB reads as a PTY gives them and in 64-byte pieces as typed echo and slow tools do, plus a
 * chunk that holds a value. Target: well above what a PTY produces (tens of MiB/s), per-chunk p99 under 1 ms.
 */
const OUTPUT_BYTES = 8 * 1024 * 1024;
const ROUNDS = 3;

function secrets() {
  const pem = ['-----BEGIN PRIVATE KEY-----', ...Array.from({ length: 25 }, () => randomBytes(48).toString('base64')), '-----END PRIVATE KEY-----'].join('\n');
  return [
    { name: 'PEM_KEY', value: pem },
    { name: 'API_TOKEN', value: `sk-live-${randomBytes(20).toString('hex')}` },
    { name: 'SHORT_KEY', value: randomBytes(16).toString('base64') },
  ];
}

function buildOutput(): string {
  const lines: string[] = [];
  let size = 0;
  for (let index = 0; size < OUTPUT_BYTES; index += 1) {
    const line = `  ✓ src/module-${index % 300}/file-${index}.test.ts > case ${index} (${index % 17} ms) 0x${(index * 2654435761 >>> 0).toString(16)}\r\n`;
    lines.push(line);
    size += line.length;
  }
  return lines.join('');
}

function streamThrough(redactor: SecretRedactor, text: string, chunkChars: number) {
  const stream = new StreamRedactor(redactor);
  const perChunkMs: number[] = [];
  const started = performance.now();
  for (let index = 0; index < text.length; index += chunkChars) {
    const chunkStarted = performance.now();
    stream.push(text.slice(index, index + chunkChars));
    perChunkMs.push(performance.now() - chunkStarted);
  }
  stream.flush();
  return { seconds: (performance.now() - started) / 1000, perChunk: summarize(perChunkMs) };
}

export async function benchSecretRedaction(): Promise<void> {
  const redactor = new SecretRedactor(secrets());
  const output = buildOutput();
  const mebibytes = output.length / 1024 / 1024;
  const rows: BenchRow[] = [];
  for (const chunkChars of [4096, 64]) {
    let best = Number.POSITIVE_INFINITY;
    let p99 = 0;
    for (let round = 0; round < ROUNDS; round += 1) {
      const measured = streamThrough(redactor, chunkChars === 64 ? output.slice(0, output.length / 8) : output, chunkChars);
      best = Math.min(best, measured.seconds);
      p99 = Math.max(p99, measured.perChunk.p99);
    }
    const streamed = chunkChars === 64 ? mebibytes / 8 : mebibytes;
    rows.push({ metric: `throughput, ${chunkChars}-char chunks`, value: streamed / best, unit: 'MiB/s', target: '> 20' });
    rows.push({ metric: `per-chunk p99, ${chunkChars}-char chunks`, value: p99, unit: 'ms', target: '< 1' });
  }
  const withValue = `${output.slice(0, 2000)}${secrets()[0]!.value}${output.slice(0, 2000)}`;
  const hits: number[] = [];
  for (let round = 0; round < 200; round += 1) {
    const started = performance.now();
    redactor.redact(withValue);
    hits.push(performance.now() - started);
  }
  rows.push({ metric: 'a 6 KB chunk holding the PEM (redact) p99', value: summarize(hits).p99, unit: 'ms' });
  await report('secret-redaction', rows, { outputBytes: OUTPUT_BYTES, secrets: 3, rounds: ROUNDS });
}
