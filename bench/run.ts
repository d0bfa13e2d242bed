import { benchAgent } from './agent.bench.js';
import { benchBlueprintEngine } from './blueprint-engine.bench.js';
import { benchCheckParse } from './check-parse.bench.js';
import { benchFiles } from './files.bench.js';
import { benchSecretRedaction } from './secret-redaction.bench.js';
import { benchSessionReady } from './session-ready.bench.js';
import { benchSyncFanout } from './sync-fanout.bench.js';
import { benchTerminalEcho } from './terminal-echo.bench.js';
import { benchWorkspaceWatcher } from './workspace-watcher.bench.js';

/** `npm run bench`: every benchmark in turn; each prints a table and writes bench/results/<name>.json. */
const benches: Record<string, () => Promise<void>> = {
  'sync-fanout': benchSyncFanout,
  'session-ready': benchSessionReady,
  'terminal-echo': benchTerminalEcho,
  'agent-tool-overhead': () => benchAgent('tool-overhead'),
  'agent-token-latency': () => benchAgent('token-latency'),
  files: benchFiles,
  'check-parse': benchCheckParse,
  'blueprint-engine': benchBlueprintEngine,
  'workspace-watcher': benchWorkspaceWatcher,
  'secret-redaction': benchSecretRedaction,
};

const selected = process.argv.slice(2);
for (const name of selected) {
  if (!(name in benches)) {
    console.error(`Unknown bench "${name}". Available: ${Object.keys(benches).join(', ')}`);
    process.exit(2);
  }
}
for (const [name, run] of Object.entries(benches)) {
  if (selected.length === 0 || selected.includes(name)) await run();
}
process.exit(0);
