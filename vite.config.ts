import path from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const serverUrl = `http://127.0.0.1:${process.env.PORT ?? '8787'}`;

/** The client lives in client/; `npm run build` writes it to dist/client, which the server serves. */
export default defineConfig({
  root: 'client',
  plugins: [react()],
  resolve: {
    // y-monaco 0.1.6 imports a Monaco path that Monaco ≥ 0.55's exports map no longer allows.
    alias: [{ find: 'monaco-editor/esm/vs/editor/editor.api.js', replacement: path.resolve('node_modules/monaco-editor/esm/vs/editor/editor.api.js') }],
  },
  worker: { format: 'es' },
  // Monaco (loaded only when a file is opened) is a few MB on its own; that is expected, not a warning.
  build: { outDir: '../dist/client', emptyOutDir: true, chunkSizeWarningLimit: 4096 },
  server: {
    // `npm run dev`: Vite serves the app with hot reload and forwards /api and /sync to the server.
    port: 5173,
    proxy: {
      '/api': serverUrl,
      '/sync': { target: serverUrl.replace('http', 'ws'), ws: true },
    },
  },
});
