import { Router } from 'express';
import { ATLAS_CELLS, ATLAS_TILE_PX, type MosaicInfo, TILE_SIZES } from '../../shared/httpApi.ts';
import { AppError } from '../errors.ts';
import { renderExport } from '../ingest/compose.ts';
import { sharp } from '../ingest/sharp.ts';
import { AtlasCache } from './atlasCache.ts';
import { type HttpDeps, imageCaching } from './deps.ts';
import { progressLog } from './progressLog.ts';

const MAX_EXPORT_PIXELS = 64_000_000;

/** /api/mosaic, its target picture, the PNG export and the tile atlases. */
export function mosaicRoutes(d: HttpDeps): { router: Router; atlases: AtlasCache } {
  const r = Router();
  const s = d.service;
  const atlases = new AtlasCache(s);
  let exporting = 0;

  r.get('/api/mosaic', (_req, res) => {
    const body: MosaicInfo = {
      cols: s.cols,
      rows: s.rows,
      tileCount: s.tileCount,
      seq: s.seq,
      tileSizes: [...TILE_SIZES],
      tileUrl: '/tiles/{id}/{size}.webp',
      targetUrl: '/api/mosaic/target.png',
      targetPreviewUrl: '/api/mosaic/target.webp',
      tint: d.config.MOSAIC_TINT,
      atlasUrl: '/api/atlas/{ax}/{ay}.webp',
      atlasCells: ATLAS_CELLS,
      atlasTileSize: ATLAS_TILE_PX,
      moderation: s.moderation,
      publicUrl: d.config.PUBLIC_URL ?? null,
    };
    res.setHeader('Cache-Control', 'no-cache');
    res.json(body);
  });

  let targetPng: { key: string; data: Promise<Buffer> } | null = null;
  r.get('/api/mosaic/target.png', async (_req, res) => {
    const key = `${s.cols}x${s.rows}`;
    if (targetPng?.key !== key) targetPng = { key, data: d.target.png(s.cols, s.rows) };
    res.setHeader('Content-Type', 'image/png');
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.end(await targetPng.data);
  });

  // What the viewer draws behind empty cells, dimmed: 512 px and lossy is plenty, and it is
  // on a phone's first screen (the PNG is 20 times the bytes).
  let targetWebp: { key: string; data: Promise<Buffer> } | null = null;
  r.get('/api/mosaic/target.webp', async (_req, res) => {
    const key = `${s.cols}x${s.rows}`;
    if (targetWebp?.key !== key)
      targetWebp = {
        key,
        data: d.target.png(s.cols, s.rows, 512).then((png) => sharp(png).webp({ quality: 75 }).toBuffer()),
      };
    const data = targetWebp.data;
    data.catch(() => {
      if (targetWebp?.data === data) targetWebp = null;
    });
    res.setHeader('Content-Type', 'image/webp');
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.end(await data);
  });

  r.get('/api/mosaic/export.png', async (req, res) => {
    const raw = req.query.width ?? String(Math.min(4096, s.cols * 32));
    const width = Number(raw);
    if (!Number.isInteger(width) || width < s.cols || width > 16384) {
      throw new AppError(
        400,
        'BAD_WIDTH',
        `width must be a whole number from ${s.cols} (1 px per tile) to 16384.`,
      );
    }
    const tilePx = Math.floor(width / s.cols);
    if (tilePx * s.cols * tilePx * s.rows > MAX_EXPORT_PIXELS) {
      throw new AppError(
        400,
        'BAD_WIDTH',
        `That export would exceed ${MAX_EXPORT_PIXELS / 1e6} megapixels; ask for a smaller width.`,
      );
    }
    if (exporting >= 2) {
      throw new AppError(429, 'RATE_LIMITED', 'Two exports are already being made; try again in a minute.', {
        'Retry-After': '30',
      });
    }
    exporting++;
    try {
      const tiles = s.placements();
      if (tiles.length >= 1000)
        console.log(`export: ${tiles.length} tiles at ${tilePx}px, ${s.cols * tilePx}x${s.rows * tilePx}`);
      const progress = progressLog('export', tiles.length);
      const png = await renderExport({
        cols: s.cols,
        rows: s.rows,
        tilePx,
        tiles,
        read: (id, size) => s.readFile(id, size),
        readRgb32: (id) => s.readRgb32(id),
        target: d.target,
        progress,
      });
      res.setHeader('Content-Type', 'image/png');
      res.setHeader('Cache-Control', 'no-store');
      res.setHeader('Content-Disposition', 'inline; filename="kiss-in-mosaic.png"');
      res.end(png);
    } finally {
      exporting--;
    }
  });

  r.get('/api/atlas/:ax/:file', async (req, res) => {
    const ax = Number(req.params.ax);
    const m = /^(\d{1,6})\.webp$/.exec(req.params.file);
    const ay = Number(m?.[1]);
    if (!m || !Number.isInteger(ax) || ax < 0 || ax * ATLAS_CELLS >= s.cols || ay * ATLAS_CELLS >= s.rows) {
      throw new AppError(404, 'NOT_FOUND', 'There is no such atlas block.');
    }
    const data = await atlases.get(ax, ay);
    res.setHeader('Content-Type', 'image/webp');
    // Clients add ?v=<seq> after a change in the block; the plain URL must revalidate.
    res.setHeader('Cache-Control', req.query.v ? imageCaching(d.config.IMAGE_CACHE_SECONDS) : 'no-cache');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.end(data);
  });

  return { router: r, atlases };
}
