/**
 * The developer's loop, `npm run dev`: the server (restarted by `tsx watch` when its code
 * changes) behind Vite's dev server (hot reload of the pages). The printed URL serves the
 * pages from Vite and passes the API, the tile images and the live WebSocket to the server.
 *
 *   PORT (default 3000)          where to open the pages
 *   DEV_API_PORT (default PORT+1) where the server listens, on 127.0.0.1 only
 *
 * Every other variable (DATA_DIR, ADMIN_TOKEN, ...) goes to the server as for `npm run serve`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { createServer, type Plugin } from 'vite';
import { PAGES } from '../server/http/clientRoutes.ts';

const ROOT = resolve(import.meta.dirname, '..');
const port = Number(process.env.PORT ?? 3000);
const apiPort = Number(process.env.DEV_API_PORT ?? port + 1);
const url = `http://localhost:${port}`;
const api = `http://127.0.0.1:${apiPort}`;

/** `/add` -> `/add.html`, `/t/12` -> `/index.html`: the server's page routes, for Vite. */
function pageRoutes(): Plugin {
  const routes = PAGES.map(([path, file]) => ({
    re: new RegExp(`^${path.replace(/:[^/]+/g, '[^/]+')}$`),
    file: `/${file}`,
  }));
  return {
    name: 'kiss-page-routes',
    configureServer(server) {
      server.middlewares.use((req, _res, next) => {
        const [path = '/', query] = (req.url ?? '/').split('?');
        const page = routes.find((r) => r.re.test(path));
        if (page && path !== page.file) req.url = page.file + (query === undefined ? '' : `?${query}`);
        next();
      });
    },
  };
}

const vite = await createServer({
  configFile: resolve(ROOT, 'vite.config.ts'),
  plugins: [pageRoutes()],
  server: {
    port,
    strictPort: true,
    proxy: {
      '/api': { target: api },
      '/tiles': { target: api },
      '/socket.io': { target: api, ws: true },
    },
  },
});
try {
  await vite.listen();
} catch (err) {
  console.error(`npm run dev: ${(err as Error).message} (set PORT to another one)`);
  process.exit(1);
}
const server: ChildProcess = spawn(
  resolve(ROOT, 'node_modules/.bin/tsx'),
  ['watch', '--clear-screen=false', 'server/index.ts'],
  {
    cwd: ROOT,
    stdio: 'inherit',
    env: { ...process.env, PORT: String(apiPort), HOST: '127.0.0.1', PUBLIC_URL: url },
  },
);

console.log(`Kiss-in mosaic (dev): pages with hot reload at ${url}/ ; the server behind it on ${api}`);

let stopping = false;
const stop = (code = 0): void => {
  if (stopping) return;
  stopping = true;
  server.kill('SIGTERM');
  vite.close().finally(() => process.exit(code));
};
process.on('SIGINT', () => stop());
process.on('SIGTERM', () => stop());
server.on('exit', (code) => {
  if (!stopping) {
    console.error(`The server stopped (exit ${code}).`);
    stop(1);
  }
});
