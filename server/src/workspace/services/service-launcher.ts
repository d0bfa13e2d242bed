import { shellQuote } from '../../sandbox/shell-quote.js';
import type { ServiceReady } from '../../environment/repo-environment.js';

/** How often the ready check is tried while a service starts. */
export const SERVICE_READY_PROBE_INTERVAL_MS = 200;
/** The line the launcher prints on its stdout once the ready check passed (the service's own output goes to stderr). */
export const SERVICE_READY_LINE = 'tandem-service-ready';

/**
 * The bash script a service runs as: the repo's command in the background with all its output on
 * stderr (the log), and its ready check beside it, in the same process of the sandbox. In a local
 * sandbox every process gets namespaces of its own (network and /tmp included), so a port is only
 * reachable, and a check only meaningful, from inside the service's own sandbox process; on a VM
 * (e2b) it is the same machine either way. Killing the launcher's process group ends it all.
 */
export function buildServiceLauncher(command: string, ready: ServiceReady): string {
  const probe = 'port' in ready ? `(exec 3<>/dev/tcp/127.0.0.1/${ready.port})` : `bash -c ${shellQuote(ready.command)}`;
  const intervalSeconds = (SERVICE_READY_PROBE_INTERVAL_MS / 1000).toFixed(1);
  return [
    // The launcher's own notices ("Killed", job status) stay out of the log: fd 3 is the log, its stderr goes nowhere.
    'exec 3>&2 2>/dev/null',
    `bash -c ${shellQuote(command)} 1>&3 2>&3 3>&- &`,
    'service=$!',
    `trap 'kill -TERM "$service" 2>/dev/null' TERM INT HUP`,
    `( while kill -0 "$service" 2>/dev/null; do if ${probe} >/dev/null 2>&1 </dev/null; then echo ${SERVICE_READY_LINE}; exit 0; fi; sleep ${intervalSeconds}; done ) 3>&- &`,
    'wait "$service"',
  ].join('\n');
}

/** The bash script a one-shot step runs as: the repo's command, all its output on stderr (the log), its exit code the step's. */
export function buildOneShotLauncher(command: string): string {
  return `bash -c ${shellQuote(command)} 1>&2`;
}
