import { type Request, type Response, Router } from 'express';
import {
  cellsUnder,
  deepZoomXml,
  iiifInfo,
  iiifTileAt,
  levelCellPx,
  tileRect,
} from '../../shared/mosaic/pyramid.ts';
import { AppError } from '../errors.ts';
import { requireAdmin } from '../safety/adminAuth.ts';
import type { Limiter } from '../safety/rateLimits.ts';
import { type HttpDeps, imageCaching, siteOrigin } from './deps.ts';
import { ExportVersions } from './ExportVersions.ts';
import { sendExportZip } from './exportZip.ts';
import { PYRAMID_FORMATS, type PyramidFormat, PyramidTiles } from './PyramidTiles.ts';

/** The format the descriptor names: lossless, so a tile has exactly export.png's pixels. */
const DZI_FORMAT: PyramidFormat = 'png';

export interface ExportDeps extends HttpDeps {
  /** Counts failed admin logins (the zip is an admin route). */
  loginLimiter: Limiter;
}

/** The `v` query parameter: a seq, or null when the URL is unversioned. */
function versionOf(req: Request): number | null {
  const v = req.query.v;
  if (v === undefined) return null;
  if (typeof v !== 'string' || !/^(0|[1-9][0-9]{0,14})$/.test(v))
    throw new AppError(400, 'BAD_REQUEST', 'v must be a seq, as GET /api/mosaic gives it.');
  return Number(v);
}

function stale(): AppError {
  return new AppError(
    404,
    'STALE_VERSION',
    'The mosaic has changed since this version; load the descriptor again without v, or with the current seq.',
  );
}

/** Anyone may show the pyramid (it is export.png's pixels), from any site: IIIF and DZI viewers live elsewhere. */
function shareable(res: Response) {
  res.setHeader('Access-Control-Allow-Origin', '*');
  res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
  res.setHeader('X-Content-Type-Options', 'nosniff');
}

/**
 * The mosaic as a deep-zoom pyramid: a Deep Zoom descriptor and its tiles under
 * /api/mosaic/export_files, the same tiles as a level-0 IIIF Image API 3.0 service under
 * /iiif/mosaic, and (admin) the whole pyramid as a zip with an OpenSeadragon page. Every
 * tile is rendered on demand by the export.png renderer, on any kind of node.
 */
export function exportRoutes(d: ExportDeps): { router: Router; close: () => void } {
  const r = Router();
  const tiles = new PyramidTiles(d.service, d.target);
  const versions = new ExportVersions(d.service);

  const caching = (res: Response, v: number | null) =>
    res.setHeader('Cache-Control', v === null ? 'no-store' : imageCaching(d.config.IMAGE_CACHE_SECONDS));

  /** Sends one tile, or throws 404 for a tile the pyramid lacks or a version it no longer holds. */
  const sendTile = async (
    req: Request,
    res: Response,
    at: { level: number; col: number; row: number } | null,
    format: PyramidFormat,
  ) => {
    const p = tiles.pyramid;
    const rect = at && tileRect(p, at.level, at.col, at.row);
    if (!at || !rect) throw new AppError(404, 'NOT_FOUND', 'The pyramid has no such tile.');
    const v = versionOf(req);
    const under = cellsUnder(p, rect, levelCellPx(p, at.level));
    if (v !== null && !versions.holds(v, under)) throw stale();
    const data = await tiles.encoded(at.level, at.col, at.row, format);
    // A change while it was drawn: the picture may be of either side of it.
    if (!data || (v !== null && !versions.holds(v, under))) throw stale();
    shareable(res);
    caching(res, v);
    res.setHeader('Content-Type', format === 'png' ? 'image/png' : 'image/jpeg');
    res.end(data);
  };

  r.get('/api/mosaic/export.dzi', (req, res) => {
    const v = versionOf(req);
    if (v !== null && !versions.holds(v)) throw stale();
    const p = tiles.pyramid;
    shareable(res);
    caching(res, v);
    res.setHeader('Content-Type', 'application/xml; charset=utf-8');
    res.setHeader('X-Mosaic-Seq', String(d.service.seq));
    res.setHeader('X-Cell-Px', String(p.cellPx));
    res.end(deepZoomXml(p, DZI_FORMAT));
  });

  r.get('/api/mosaic/export_files/:level/:file', async (req, res) => {
    const m = /^(0|[1-9][0-9]{0,5})_(0|[1-9][0-9]{0,5})\.(png|jpg)$/.exec(req.params.file);
    const level = /^(0|[1-9][0-9]?)$/.test(req.params.level) ? Number(req.params.level) : -1;
    const at = m && level >= 0 ? { level, col: Number(m[1]), row: Number(m[2]) } : null;
    await sendTile(req, res, at, (m?.[3] ?? DZI_FORMAT) as PyramidFormat);
  });

  r.get('/iiif/mosaic', (_req, res) => {
    res.redirect(303, '/iiif/mosaic/info.json');
  });

  r.get('/iiif/mosaic/info.json', (req, res) => {
    const base = siteOrigin(d.config, req);
    shareable(res);
    res.setHeader('Cache-Control', 'no-cache');
    res.setHeader('X-Mosaic-Seq', String(d.service.seq));
    res.json(iiifInfo(tiles.pyramid, `${base}/iiif/mosaic`, PYRAMID_FORMATS));
  });

  r.get('/iiif/mosaic/:region/:size/:rotation/:file', async (req, res) => {
    const f = /^default\.(png|jpg)$/.exec(req.params.file);
    if (req.params.rotation !== '0' || !f)
      throw new AppError(
        400,
        'BAD_REQUEST',
        `This level-0 service serves rotation 0 and default.{${PYRAMID_FORMATS.join(',')}} only.`,
      );
    await sendTile(
      req,
      res,
      iiifTileAt(tiles.pyramid, req.params.region, req.params.size),
      f[1] as PyramidFormat,
    );
  });

  r.get(
    '/api/mosaic/export.zip',
    d.loginLimiter.handler,
    requireAdmin(d.config.ADMIN_TOKEN),
    async (_req, res) => {
      await sendExportZip(res, tiles, DZI_FORMAT);
    },
  );

  return { router: r, close: () => versions.close() };
}
