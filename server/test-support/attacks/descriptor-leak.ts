/**
 * Descriptor leaks: whatever the server process holds open and forgets to close before it starts a
 * sandbox (another session's PTY master, a database socket, a log file) crosses into that sandbox.
 * A PTY master is the worst: writing to it types into that other person's shell.
 *
 * These are shell snippets an attacker runs inside their own sandbox (in its terminal or through
 * exec). Each prints a line computed by the shell, so the echoed command line never looks like a result.
 */

/** Prints `FDS[0 1 2 3 ]`: the descriptors `ls` holds (stdio, plus the one it reads /proc/self/fd with). */
export const LIST_OWN_DESCRIPTORS = 'echo "FDS[$(ls /proc/self/fd | sort -n | tr \'\\n\' \' \')]"';
export const OWN_DESCRIPTORS_LINE = /FDS\[([\d ]*)\]/;

/** The descriptors `ls` saw, from the output of LIST_OWN_DESCRIPTORS. */
export function parseDescriptors(output: string): number[] {
  const match = OWN_DESCRIPTORS_LINE.exec(output);
  if (!match) throw new Error(`no descriptor list in ${JSON.stringify(output.slice(-300))}`);
  return match[1]!.trim().split(/\s+/).filter(Boolean).map(Number);
}

/** Prints `TARGETS[…]` with where every descriptor of the shell itself points (a leaked PTY master shows as /dev/ptmx). */
export const DESCRIBE_SHELL_DESCRIPTORS = 'echo "TARGETS[$(for fd in /proc/$$/fd/*; do readlink "$fd"; done | sort -u | tr \'\\n\' \' \')]"';
export const SHELL_DESCRIPTORS_LINE = /TARGETS\[([^\]]*)\]/;

/** What another session's shell prints if the injection reached it: the shell computes 42, the injected text says $((40+2)). */
export const INJECTED_OUTPUT = 'INJECTED-42';

/**
 * Types a command into every descriptor number the shell could have inherited (3 to 1023, bar 255,
 * which bash keeps as a copy of its own terminal). A leaked PTY master turns each write into keystrokes
 * in another session's terminal. Prints `injection-done-42` when it has tried them all.
 */
export const TYPE_INTO_EVERY_DESCRIPTOR =
  "for fd in $(seq 3 254) $(seq 256 1023); do { printf 'echo INJECTED-$((40+2))\\r' >&$fd; } 2>/dev/null; done; echo injection-done-$((6*7))";
export const INJECTION_DONE = /injection-done-42/;
