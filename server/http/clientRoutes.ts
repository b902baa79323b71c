import { readFile, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import express, { type NextFunction, type Request, type Response, Router } from 'express';
import { RALLY_LANGUAGES } from '../../shared/rallies.ts';
import { KeptPages, sendCompressed } from './compressed.ts';
import { chooseCoding, isCompressible, SUFFIX } from './encoding.ts';
import type { OverviewPages } from './overviewPage.ts';
import { PAGE_LANGUAGE_VARY, PageLanguages, requestLanguage } from './pageLanguage.ts';

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

type SendOptions = { maxAge?: string; immutable?: boolean };

/**
 * Answers with `file`'s precompressed sibling (written by the build) when the request
 * accepts its coding, else calls `identity`. Every answer for a compressible file varies
 * by Accept-Encoding, so caches keep the codings apart. A compressed answer takes no
 * ranges: a byte range of the compressed bytes is of no use to anyone.
 */
async function sendPrecompressed(
  req: Request,
  res: Response,
  file: string,
  opts: SendOptions,
  identity: () => void,
): Promise<void> {
  if (!isCompressible(file)) return identity();
  res.vary('Accept-Encoding');
  const coding = chooseCoding(req.headers['accept-encoding']);
  const sibling = coding && file + SUFFIX[coding];
  if (
    !coding ||
    !sibling ||
    !(await stat(sibling).then(
      (s) => s.isFile(),
      () => false,
    ))
  )
    return identity();
  res.type(extname(file));
  res.setHeader('Content-Encoding', coding);
  res.sendFile(sibling, { ...opts, acceptRanges: false });
}

/** express.static with the precompressed siblings in front of it. */
function staticFiles(root: string, opts: SendOptions): Router {
  const r = Router();
  const serve = express.static(root, { ...opts, index: false, fallthrough: true });
  r.use((req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    let file: string;
    try {
      file = resolve(root, `.${decodeURIComponent(req.path)}`);
    } catch {
      return next();
    }
    if (!file.startsWith(root + sep)) return next();
    sendPrecompressed(req, res, file, opts, () => serve(req, res, next)).catch(next);
  });
  return r;
}

/**
 * The built pages' text, read again only when a build replaces a file (by its mtime). One
 * stat per request, off the event loop, that also says whether the page is built at all.
 */
export class BuiltPages {
  private readonly pages = new Map<string, { at: number; text: string }>();

  /** The page's text, or null when it is not built (no such file). */
  async read(file: string): Promise<string | null> {
    let at: number;
    try {
      at = (await stat(file)).mtimeMs;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
    let page = this.pages.get(file);
    if (page?.at !== at) {
      page = { at, text: await readFile(file, 'utf8') };
      this.pages.set(file, page);
    }
    return page.text;
  }
}

/** Pages that show the whole mosaic first, and so get its first picture in a big mosaic's HTML. */
const OVERVIEW_PAGES = new Set(['/', '/screen']);
/** The pages that show the organisers' console's words too (client/pages/admin.ts). */
const CONSOLE_PAGES = new Set(['/admin']);

/**
 * Serves the built client: hashed assets immutably, pages without caching, each compressed
 * when accepted. Each page names the words of its likely language among its modules
 * (pageLanguage.ts), so it varies by Accept-Language and Cookie. With `overview`, a big mosaic's viewer
 * and screen pages carry its first picture (overviewPage.ts).
 */
export function clientRoutes(dir = CLIENT_DIR, overview?: OverviewPages): Router {
  const r = Router();
  r.use('/assets', staticFiles(join(dir, 'assets'), { immutable: true, maxAge: '1y' }));
  const built = new BuiltPages();
  const languages = new PageLanguages(dir, built);
  // The last composed page of each route and language, as built or with the overview, with its
  // compressed copies: the same bytes until a build (or, for an overview, the pyramid) changes
  // them, so a crowd opening the page at once compresses it once.
  const composed = new KeptPages(PAGES.length * RALLY_LANGUAGES.length * 2);
  for (const [path, file] of PAGES) {
    r.get(path, async (req, res) => {
      const page = join(dir, file);
      const text = await built.read(page);
      if (text === null) {
        res
          .status(503)
          .type('text/plain')
          .send(
            'The client is not built yet. Run `npm run build` (or `npm start`, which builds, or `npm run dev`).',
          );
        return;
      }
      res.setHeader('Cache-Control', 'no-cache');
      res.vary(PAGE_LANGUAGE_VARY);
      const lang = requestLanguage(req);
      const own = await languages.withPreload(text, lang, CONSOLE_PAGES.has(path));
      const send = (key: string, html: string) => {
        const kept = composed.get(`${key} ${path} ${lang}`, html);
        res.type('html');
        return sendCompressed(req, res, kept.body, kept.compressed);
      };
      if (overview && OVERVIEW_PAGES.has(path)) {
        const html = await overview.compose(own ?? text, req, res);
        if (html !== null) return send('overview', html);
      }
      if (own !== null) return send('built', own);
      await sendPrecompressed(req, res, page, {}, () => res.sendFile(page));
    });
  }
  r.use(staticFiles(dir, { maxAge: '1h' }));
  return r;
}
