import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import express, { Router } from 'express';

/** Where `vite build` puts the client. */
export const CLIENT_DIR = resolve(import.meta.dirname, '../../dist/client');

/** Page routes -> the built HTML entry that serves them. */
const PAGES: [string, string][] = [
  ['/', 'index.html'],
  ['/t/:id', 'index.html'],
  ['/add', 'add.html'],
  ['/screen', 'screen.html'],
  ['/admin', 'admin.html'],
  ['/privacy', 'privacy.html'],
];

/** Serves the built client: hashed assets immutably, pages without caching. */
export function clientRoutes(dir = CLIENT_DIR): Router {
  const r = Router();
  r.use(
    '/assets',
    express.static(join(dir, 'assets'), { immutable: true, maxAge: '1y', index: false, fallthrough: true }),
  );
  for (const [path, file] of PAGES) {
    r.get(path, (_req, res) => {
      const page = join(dir, file);
      if (!existsSync(page)) {
        res
          .status(503)
          .type('text/plain')
          .send('The client is not built yet. Run `npm start` (which builds it) or `npm run build`.');
        return;
      }
      res.setHeader('Cache-Control', 'no-cache');
      res.sendFile(page);
    });
  }
  r.use(express.static(dir, { index: false, maxAge: '1h' }));
  return r;
}
