import { join } from 'node:path';
import { type Request, Router } from 'express';
import { HASHTAG } from '../../shared/print.ts';
import type { RallyLanguage } from '../../shared/rallies.ts';
import { AppError } from '../errors.ts';
import { CARD, type CellBlock, renderCard } from '../print/cardImage.ts';
import { formatCount, isMediaLanguage, kissesWord, MEDIA_TEXT } from '../print/mediaText.ts';
import { BuiltPages, CLIENT_DIR } from './clientRoutes.ts';
import { KeptPages, sendCompressed } from './compressed.ts';
import { type HttpDeps, siteOrigin } from './deps.ts';
import type { OverviewPages } from './overviewPage.ts';
import { acceptedLanguage, PAGE_LANGUAGE_VARY, PageLanguages, requestLanguage } from './pageLanguage.ts';

/** Cards kept, newest used last. */
const CARDS_KEPT = 256;
/** Tiles' link pages kept with their compressed copies (a few kB each). */
const LINK_PAGES_KEPT = 256;
/** A card is redrawn after this long, so the count it shows stays near the truth. */
const CARD_TTL_MS = 10 * 60_000;

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The Open Graph and Twitter card tags of a tile's page (for a missing tile, the site's own, without an image), in `lang`. */
export function previewTags(
  base: string,
  tile: { id: number; event: string | null } | null,
  total: number,
  lang: RallyLanguage = 'en',
): string {
  const w = MEDIA_TEXT[lang];
  const title = tile ? w.tileTitle(tile.id) : w.siteTitle;
  const description = w.description(
    `${formatCount(total, lang)} ${kissesWord(total, lang)}`,
    tile?.event ? w.rally(tile.event) : null,
  );
  const tags: [string, string, string][] = [
    ['property', 'og:type', 'website'],
    ['property', 'og:site_name', HASHTAG],
    ['property', 'og:locale', w.ogLocale],
    ['property', 'og:title', title],
    ['property', 'og:description', description],
    ['name', 'twitter:title', title],
    ['name', 'twitter:description', description],
  ];
  if (tile) {
    const image = `${base}/api/tiles/${tile.id}/card.png?lang=${encodeURIComponent(lang)}`;
    tags.push(
      ['property', 'og:url', `${base}/t/${tile.id}`],
      ['property', 'og:image', image],
      ['property', 'og:image:type', 'image/png'],
      ['property', 'og:image:width', String(CARD.width)],
      ['property', 'og:image:height', String(CARD.height)],
      ['property', 'og:image:alt', w.imageAlt(title)],
      ['name', 'twitter:image:alt', w.imageAlt(title)],
      ['name', 'twitter:card', 'summary_large_image'],
      ['name', 'twitter:image', image],
    );
  } else tags.push(['name', 'twitter:card', 'summary']);
  return tags
    .map(([attr, key, value]) => `<meta ${attr}="${key}" content="${escapeHtml(value)}" />`)
    .join('\n    ');
}

/**
 * Link previews: /t/<id> answers the viewer's page with Open Graph and Twitter card tags, and
 * /api/tiles/<id>/card.png draws the card those tags point to. Cards are kept until a cell in
 * their neighbourhood changes (a delete included) or ten minutes pass; a card of a tile that is
 * not live is 404. `overview`, when given, puts a big mosaic's first picture into the `/t/<id>`
 * page as it does into `/`: a shared link is how most people first open the mosaic, often on a phone.
 */
export function previewRoutes(
  d: HttpDeps,
  clientDir = CLIENT_DIR,
  overview?: OverviewPages,
): { router: Router; close: () => void } {
  const r = Router();
  const s = d.service;
  const built = new BuiltPages();
  const languages = new PageLanguages(clientDir, built);
  // Keyed by `${id}:${lang}`.
  const cards = new Map<string, { png: Promise<Buffer>; block: CellBlock | null; at: number }>();
  const forget = (id: number) => {
    for (const key of cards.keys()) if (key.startsWith(`${id}:`)) cards.delete(key);
  };
  const unsubscribe = s.subscribeCells((cells) => {
    if (!cells) return cards.clear();
    for (const [id, c] of cards) {
      const b = c.block;
      if (
        !b ||
        cells.some(
          ([col, row]) => col >= b.col && col < b.col + b.cols && row >= b.row && row < b.row + b.rows,
        )
      )
        cards.delete(id);
    }
  });
  const liveTile = (raw: string) => {
    const id = /^[1-9][0-9]{0,9}$/.test(raw) ? Number(raw) : 0;
    const t = id ? s.get(id) : undefined;
    return t?.status === 'live' ? t : null;
  };
  const base = (req: Request) => siteOrigin(d.config, req);

  /** How a tile's rally is named in its link preview: a registered rally's city, else the code. */
  const place = (event: string | null): string | null => event && (d.rallies?.get(event)?.city ?? event);

  /** The page's language: its rally's, else the reader's (Accept-Language), else English. */
  const pageLanguage = (req: Request, event: string | null): RallyLanguage =>
    (event ? d.rallies?.get(event)?.language : undefined) ?? acceptedLanguage(req);

  r.get('/api/tiles/:id/card.png', async (req, res) => {
    const raw = req.query.lang ?? 'en';
    if (!isMediaLanguage(raw))
      throw new AppError(400, 'BAD_REQUEST', 'lang must be one of en, ru, pt-BR, es, de, fr.');
    const lang = raw;
    const t = liveTile(req.params.id);
    if (!t) {
      forget(Number(req.params.id));
      throw new AppError(404, 'NOT_FOUND', 'There is no such tile (it may be deleted already).');
    }
    const key = `${t.id}:${lang}`;
    let c = cards.get(key);
    if (!c || Date.now() - c.at > CARD_TTL_MS) {
      const entry: { png: Promise<Buffer>; block: CellBlock | null; at: number } = {
        png: Promise.resolve(Buffer.alloc(0)),
        block: null,
        at: Date.now(),
      };
      entry.png = renderCard(s, d.target, { ...t, event: place(t.event) }, lang).then((made) => {
        entry.block = made.block;
        return made.png;
      });
      entry.png.catch(() => cards.delete(key));
      cards.delete(key);
      cards.set(key, entry);
      if (cards.size > CARDS_KEPT) cards.delete(cards.keys().next().value!);
      c = entry;
    }
    const png = await c.png;
    // A delete while it was drawn: the card must not be served.
    if (!liveTile(req.params.id))
      throw new AppError(404, 'NOT_FOUND', 'There is no such tile (it may be deleted already).');
    res.setHeader('Content-Type', 'image/png');
    // Short, because a deleted tile's card cannot be called back from other people's caches.
    const maxAge = Math.min(300, d.config.IMAGE_CACHE_SECONDS);
    res.setHeader('Cache-Control', maxAge > 0 ? `public, max-age=${maxAge}` : 'no-cache');
    res.end(png);
  });

  // A link shared widely is opened by many at once: its page, the same bytes until the count in
  // its description changes (every landing) or its tile goes, is compressed once per change.
  const linkPages = new KeptPages(LINK_PAGES_KEPT);
  r.get('/t/:id', async (req, res, next) => {
    const page = join(clientDir, 'index.html');
    const text = await built.read(page);
    if (text === null) return next();
    const t = liveTile(req.params.id);
    const lang = pageLanguage(req, t?.event ?? null);
    // The page's own words: the language the page will show, which a rally's does not decide.
    const words = requestLanguage(req);
    const html = ((await languages.withPreload(text, words)) ?? text).replace(
      '</head>',
      `    ${previewTags(base(req), t && { id: t.id, event: place(t.event) }, s.tileCount, lang)}\n  </head>`,
    );
    res.setHeader('Cache-Control', 'no-cache');
    res.setHeader('Vary', PAGE_LANGUAGE_VARY);
    const composed = overview ? await overview.compose(html, req, res) : null;
    const kept = linkPages.get(`${req.params.id}|${lang}|${words}`, composed ?? html);
    res.type('html');
    await sendCompressed(req, res, kept.body, kept.compressed);
  });

  return { router: r, close: unsubscribe };
}
