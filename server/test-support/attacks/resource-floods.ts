/**
 * Resource floods: a sandbox that takes all of something (memory, /tmp, disk, processes, CPU, terminal
 * output) so that the host, and every other session on it, runs short. Each is a shell snippet run in
 * the attacker's own sandbox; what it prints is computed by the shell or the program, never echoed.
 *
 * What must hold: each flood stops at the sandbox's own limit, and another session's terminal and the
 * server's /api/health stay responsive while it runs.
 */

const MIB = 1024 * 1024;

/**
 * One process allocating `mebibytes` MiB and touching every page, saying `held-<n>` every 16 MiB. Prints
 * `allocated-<n>` only if all of it succeeded; a refused allocation may end it with an error or a crash
 * (V8 cannot grow its heap either), so how far it got is the last `held-` line.
 */
export function allocateMemory(mebibytes: number): string {
  const program = `
    const chunks = [];
    try {
      for (let index = 1; index <= ${mebibytes}; index += 1) {
        chunks.push(Buffer.alloc(${MIB}, 1));
        if (index % 16 === 0) console.log('held-' + index);
      }
      console.log('allocated-' + chunks.length);
    } catch {
      console.log('refused');
    }`;
  return `node -e "${program.replace(/"/g, '\\"').replace(/\n\s*/g, ' ')}" 2>/dev/null`;
}

/** The most MiB an allocateMemory run said it held. */
export function heldMebibytes(output: string): number {
  return Math.max(0, ...[...output.matchAll(/held-(\d+)/g)].map((match) => Number(match[1])));
}

/** Writes `mebibytes` MiB into `file`, then prints `wrote-<bytes>` with how much landed (a full disk stops it early). */
export function fillFile(file: string, mebibytes: number): string {
  return `head -c ${mebibytes * MIB} /dev/zero > ${file} 2>/dev/null; echo "wrote-$(stat -c %s ${file})"`;
}

/** `count` writers in parallel, `mebibytes` MiB each, into the workspace; prints `total-<bytes>` of what landed. */
export function fillWorkspaceInParallel(count: number, mebibytes: number): string {
  const writers = Array.from({ length: count }, (_, index) => `head -c ${mebibytes * MIB} /dev/zero > flood-${index}.bin 2>/dev/null &`).join(' ');
  return `${writers} wait; echo "total-$(cat flood-*.bin | wc -c)"`;
}

/**
 * Every flood but output, in the background of one sandbox: busy loops each in a session of its own
 * (so no scheduler grouping bunches them together), processes holding all the memory they may, /tmp
 * written until full, files made by the ten thousand, then the workspace disk written until full and
 * a fork bomb, stopped only by the process limit. Runs until the sandbox is stopped.
 */
export const BACKGROUND_FLOODS = [
  'for i in $(seq 16); do setsid bash -c "while :; do :; done" & done',
  `for i in $(seq 4); do node -e "const b = []; try { for (;;) b.push(Buffer.alloc(${MIB}, 1)); } catch { setInterval(() => {}, 1000); }" & done`,
  'head -c 4G /dev/zero > /tmp/flood.bin 2>/dev/null &',
  // Files by the ten thousand: every one is an event the server's file sync must handle.
  'mkdir -p many && (for i in $(seq 100000); do : > many/file-$i.txt || break; done) 2>/dev/null &',
  // Then the workspace disk, until full, and a fork bomb.
  'sleep 5',
  'head -c 4G /dev/zero > flood.bin 2>/dev/null &',
  'bomb() { bomb | bomb & }; (bomb) 2>/dev/null &',
  'wait',
].join('\n');

/** Typed into the attacker's terminal: output as fast as the terminal takes it, until interrupted (Ctrl-C). */
export const TERMINAL_OUTPUT_FLOOD = 'yes "flood flood flood flood flood flood flood flood flood flood flood flood"';
export const INTERRUPT = '\x03';
