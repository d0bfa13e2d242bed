import { loadConfig } from './config.js';
import { startServer } from './server.js';

/** `npm start`: reads the environment, starts the server, and shuts down cleanly on SIGINT/SIGTERM. */
async function main(): Promise<void> {
  const config = loadConfig();
  const store = config.database.kind === 'pglite' ? `PGlite in ${config.database.dataDir}` : 'PostgreSQL (DATABASE_URL)';
  console.log(`[tandem] opening the store: ${store}`);
  const server = await startServer(config);
  console.log(`[tandem] ready on ${server.url}`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`[tandem] ${signal}: saving every session and stopping`);
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('[tandem] shutdown failed', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(`[tandem] could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
