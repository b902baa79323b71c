import { rm } from 'node:fs/promises';
import { type Response, Router } from 'express';
import { AppError } from '../errors.ts';
import { PrintCache } from '../print/PrintCache.ts';
import { MAX_POSTER_PIXELS, POSTER_FORMATS, type PosterFormat, posterLayout } from '../print/posterLayout.ts';
import { posterAsk, stickerAsk, wallmapAsk } from '../print/printParams.ts';
import { requireAdmin } from '../safety/adminAuth.ts';
import type { Limiter } from '../safety/rateLimits.ts';
import type { HttpDeps } from './deps.ts';

const TYPES: Record<PosterFormat, string> = {
  pdf: 'application/pdf',
  png: 'image/png',
  tiff: 'image/tiff',
};

export interface PrintDeps extends HttpDeps {
  /** Counts failed admin logins (stickers and the wall map are admin routes). */
  loginLimiter: Limiter;
}

function sendPdf(res: Response, pdf: Uint8Array, name: string) {
  res.setHeader('Content-Type', 'application/pdf');
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Content-Disposition', `attachment; filename="${name}"`);
  res.end(Buffer.from(pdf.buffer, pdf.byteOffset, pdf.byteLength));
}

/**
 * The printed media: the poster (public, like export.png) as PDF, PNG or TIFF, cached until
 * the mosaic changes, and for admins the sticker sheets and the wall map. All of them read the
 * mosaic through the MosaicPort, so any node of a cluster serves them.
 */
// The PDF makers load with the first print: pdf-lib and fontkit are a third of the server's
// V8 heap (37.5 -> 25.5 MB after start), which every full collection marks again, and most
// nodes never print.
export function printRoutes(d: PrintDeps): { router: Router; close: () => void } {
  const r = Router();
  const s = d.service;
  const cache = new PrintCache(s);

  for (const format of POSTER_FORMATS) {
    r.get(`/api/mosaic/poster.${format}`, async (req, res) => {
      const ask = posterAsk(req.query);
      const layout = posterLayout(ask, s.cols, s.rows);
      if (layout.px.width * layout.px.height > MAX_POSTER_PIXELS)
        throw new AppError(
          400,
          'BAD_PRINT_OPTIONS',
          `That poster would be ${Math.round((layout.px.width * layout.px.height) / 1e6)} megapixels (at most ${MAX_POSTER_PIXELS / 1e6}); choose 150 dpi or a smaller size.`,
        );
      const key = JSON.stringify([format, ask]);
      const file = await cache.get(key, async () => {
        const out = cache.path(format);
        const job = { service: s, target: d.target, layout, dpi: ask.dpi, caption: ask.caption, out };
        const started = Date.now();
        const { writePosterImage, writePosterPdf } = await import('../print/poster.ts');
        if (format === 'pdf') await writePosterPdf({ ...job, scratch: cache.path('jpg') });
        else await writePosterImage(job, format);
        console.log(
          `poster: ${format} ${layout.px.width}x${layout.px.height} px at ${ask.dpi} dpi in ${((Date.now() - started) / 1000).toFixed(1)} s`,
        );
        return out;
      });
      res.setHeader('Content-Type', TYPES[format]);
      res.setHeader('Cache-Control', 'no-store');
      res.setHeader('X-Mosaic-Seq', String(s.seq));
      res.setHeader('X-Poster-Pixels', `${layout.px.width}x${layout.px.height}`);
      res.setHeader('Content-Disposition', `inline; filename="kiss-in-poster.${format}"`);
      await new Promise<void>((resolve, reject) =>
        res.sendFile(file.path, (err) => (err && !res.headersSent ? reject(err) : resolve())),
      );
      if (file.transient) await rm(file.path, { force: true });
    });
  }

  const admin = [d.loginLimiter.handler, requireAdmin(d.config.ADMIN_TOKEN)];

  r.get('/api/admin/stickers.pdf', ...admin, async (req, res) => {
    const ask = stickerAsk(req.query);
    const { stickerSheets } = await import('../print/stickersPdf.ts');
    const sheets = await stickerSheets(s, ask);
    res.setHeader('X-Sticker-Count', String(sheets.ids.length));
    res.setHeader('X-Next-From', String(sheets.next));
    res.setHeader('X-Remaining', String(sheets.remaining));
    sendPdf(res, sheets.pdf, `stickers-from-${ask.from}.pdf`);
  });

  r.get('/api/admin/wallmap.pdf', ...admin, async (req, res) => {
    const ask = wallmapAsk(req.query);
    const { wallmapPdf } = await import('../print/wallmapPdf.ts');
    const map = await wallmapPdf(s, d.target, ask);
    res.setHeader('X-Page-Count', String(map.pages));
    sendPdf(res, map.pdf, 'wall-map.pdf');
  });

  return { router: r, close: () => cache.close() };
}
