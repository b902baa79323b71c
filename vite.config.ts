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
    chunkSizeWarningLimit: 2000,
    rolldownOptions: {
      output: {
        codeSplitting: {
          groups: [
            // The snapshot's early start (client/net/early.ts) must not wait for PixiJS: its
            // modules get a chunk of their own instead of joining the shared mosaic chunk.
            { name: 'snapshot', test: /client[\\/]net[\\/](early|snapshot)\.ts$/ },
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
