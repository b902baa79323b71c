/**
 * Builds the client with Vite into dist/ without ever leaving a half-written dist/ behind:
 * the build goes to dist.tmp-<pid>/, its compressed siblings (precompress.ts) are written
 * there too, then the old dist/ is renamed away and the new one renamed in. Several nodes (or test processes) building on one machine each swap in a
 * whole build; a server reading dist/client sees the old pages or the new ones.
 */
import { rename, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { build } from 'vite';
import { PREVIEW_FILE } from '../server/http/overviewPage.ts';
import { precompress } from './precompress.ts';

const ROOT = resolve(import.meta.dirname, '..');
/** Where the server reads the built client from (server/http/clientRoutes.ts). */
export const DIST = resolve(ROOT, 'dist');
/** The screen's service worker, at the root of the built client: GET /screen-sw.js. */
export const SCREEN_WORKER_FILE = 'screen-sw.js';

export async function buildClient(opts: { logLevel?: 'info' | 'warn' } = {}): Promise<void> {
  const tmp = `${DIST}.tmp-${process.pid}`;
  const old = `${DIST}.old-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  try {
    await build({
      configFile: resolve(ROOT, 'vite.config.ts'),
      logLevel: opts.logLevel ?? 'info',
      build: { outDir: resolve(tmp, 'client') },
    });
    // One classic script each, at a fixed address beside the pages: the overview preview
    // (client/preview/overview.ts), which the server inlines into a big mosaic's pages
    // (server/http/overviewPage.ts), and the event screen's service worker
    // (client/sw/screenWorker.ts), as a worker's scope depends on where its script lives.
    const script = (entry: string, name: string, file: string) =>
      build({
        configFile: false,
        root: resolve(ROOT, 'client'),
        logLevel: opts.logLevel ?? 'info',
        build: {
          outDir: resolve(tmp, 'client'),
          emptyOutDir: false,
          minify: true,
          lib: { entry: resolve(ROOT, entry), formats: ['iife'], name, fileName: () => file },
        },
      });
    await script('client/preview/overview.ts', 'kissOverview', PREVIEW_FILE);
    await script('client/sw/screenWorker.ts', 'kissScreenWorker', SCREEN_WORKER_FILE);
    await precompress(resolve(tmp, 'client'));
    // Another builder may swap its dist/ in between our two renames: then try again.
    for (let attempt = 0; ; attempt++) {
      await rename(DIST, old).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'ENOENT') throw e;
      });
      try {
        await rename(tmp, DIST);
        break;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (attempt >= 20 || (code !== 'ENOTEMPTY' && code !== 'EEXIST')) throw e;
      }
    }
  } finally {
    await Promise.all([rm(tmp, { recursive: true, force: true }), rm(old, { recursive: true, force: true })]);
  }
}
