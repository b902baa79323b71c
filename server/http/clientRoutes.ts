import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import express, { Router } from 'express';

/** Where `vite build` puts the client. */
export const CLIENT_DIR = resolve(import.meta.dirname, '../../dist/client');

/** Page routes -> the HTML entry that serves them (built here; `npm run dev` serves the same from Vite). */
export const PAGES: readonly (readonly [string, string])[] = [
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
          .send(
            'The client is not built yet. Run `npm run build` (or `npm start`, which builds, or `npm run dev`).',
          );
        return;
      }
      res.setHeader('Cache-Control', 'no-cache');
      res.sendFile(page);
    });
  }
  r.use(express.static(dir, { index: false, maxAge: '1h' }));
  return r;
}
