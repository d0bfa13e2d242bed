import { Server } from '@hocuspocus/server';

/**
 * A stock Hocuspocus server for the sync-fanout bench, run in its own process: no extensions (so no
 * persistence and no auth hook), defaults otherwise. Prints the port it took.
 */
const server = new Server({ port: 0, address: '127.0.0.1', quiet: true, stopOnSignals: true });
await server.listen();
console.log(`hocuspocus ready on ${server.address.port}`);
