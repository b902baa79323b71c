import { resolve } from 'node:path';
import { defineConfig } from 'vite';

// The client is a multi-page app: one HTML entry per page, all sharing client/ modules.
export default defineConfig({
  root: 'client',
  publicDir: false,
  build: {
    outDir: resolve(import.meta.dirname, 'dist/client'),
    emptyOutDir: true,
    chunkSizeWarningLimit: 2000,
    rollupOptions: {
      input: {
        view: resolve(import.meta.dirname, 'client/index.html'),
      },
    },
  },
  server: { port: 5173 },
});
