import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono } from 'hono';

/**
 * Serves the built React app, and its index.html for every page path so client routes
 * (/s/:id, /join/:token) load on a direct visit.
 */
export function clientAssetRoutes(clientDir: string) {
  const app = new Hono();
  const indexPath = path.join(clientDir, 'index.html');
  if (!existsSync(indexPath)) {
    return app.get('*', (c) =>
      c.text(`The web app is not built (${indexPath} is missing). Run "npm start" (it builds first) or "npm run dev".`, 503),
    );
  }
  const relativeRoot = path.relative(process.cwd(), clientDir) || '.';
  return app
    .use('/assets/*', serveStatic({ root: relativeRoot }))
    .use('/favicon.svg', serveStatic({ root: relativeRoot }))
    .get('*', async (c) => c.html(await readFile(indexPath, 'utf8')));
}
