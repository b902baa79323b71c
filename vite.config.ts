import { resolve } from 'node:path';
import { defineConfig } from 'vite';

const page = (name: string): string => resolve(import.meta.dirname, 'client', name);

// The client is a multi-page app: one HTML entry per page, all sharing client/ modules.
export default defineConfig({
  root: 'client',
  publicDir: false,
  build: {
    outDir: resolve(import.meta.dirname, 'dist/client'),
    emptyOutDir: true,
    // .vite/manifest.json: the server reads where each language's table was built to, and names
    // the page's likely one in its HTML (server/http/pageLanguage.ts).
    manifest: true,
    chunkSizeWarningLimit: 2000,
    rolldownOptions: {
      output: {
        codeSplitting: {
          groups: [
            // The snapshot's early start (client/net/early.ts) must not wait for PixiJS: its
            // modules get chunks of their own instead of joining the shared mosaic chunk. Two
            // chunks, so that pages which do not import early.ts (/add) do not run its start.
            { name: 'snapshot', test: /client[\\/]net[\\/]snapshot\.ts$/, priority: 2 },
            { name: 'early', test: /client[\\/]net[\\/]early\.ts$/, priority: 1 },
          ],
        },
      },
      input: {
        view: page('index.html'),
        add: page('add.html'),
        screen: page('screen.html'),
        admin: page('admin.html'),
        privacy: page('privacy.html'),
      },
    },
  },
  server: { port: 5173 },
});
