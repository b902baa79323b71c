import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MosaicPort } from '../core/port.ts';
import { progressLog } from '../http/progressLog.ts';
import { renderRegion } from '../ingest/compose.ts';
import { sharp } from '../ingest/sharp.ts';
import type { Target } from '../ingest/target.ts';
import type { PosterLayout } from './posterLayout.ts';

/** Raw bytes of one strip at most: the whole picture is never in memory at once. */
const STRIP_BYTES = 48 * 1024 * 1024;
/**
 * Longest side of the target raster behind empty cells. Rasterising the SVG target for a strip
 * of a 9,000 px picture renders far more than the strip (measured: 4 s and 180 MB for five thin
 * strips), so it is rasterised once at this size and each strip scales up its own part.
 */
const BACKGROUND_MAX_PX = 4096;

type Sharp = ReturnType<typeof sharp>;

/**
 * The whole mosaic at the layout's pixel size, made in strips of whole cell rows: each strip
 * is drawn by the export renderer (live tiles only, empty cells the dimmed target) and written
 * to an uncompressed TIFF in a private temporary folder, then libvips joins the strips top to
 * bottom as it encodes, reading them in order. `write` encodes the joined picture; the strips
 * are removed afterwards, whatever happens.
 */
export async function writePoster(
  service: MosaicPort,
  target: Target,
  layout: Pick<PosterLayout, 'px' | 'cellPx'>,
  write: (picture: Sharp) => Promise<unknown>,
  stripBytes = STRIP_BYTES,
): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'kiss-strips-'));
  try {
    const strips = await renderStrips(service, target, layout, dir, stripBytes);
    let picture =
      strips.length === 1
        ? sharp(strips[0]!, { limitInputPixels: false })
        : // arrayjoin gives every strip the tallest one's height: cut the last one's padding off.
          sharp(strips, { join: { across: 1 }, limitInputPixels: false }).extract({
            left: 0,
            top: 0,
            width: service.cols * Math.max(1, layout.cellPx),
            height: service.rows * Math.max(1, layout.cellPx),
          });
    if (layout.cellPx === 0) picture = picture.resize(layout.px.width, layout.px.height, { fit: 'fill' });
    await write(picture);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function renderStrips(
  service: MosaicPort,
  target: Target,
  layout: Pick<PosterLayout, 'px' | 'cellPx'>,
  dir: string,
  stripBytes: number,
): Promise<string[]> {
  const { cols, rows } = service;
  // Below 1 px a cell the picture is the 1 px-a-cell mosaic scaled down (one strip).
  const px = Math.max(1, layout.cellPx);
  const width = cols * px;
  const height = rows * px;
  const rowsPerStrip = Math.max(1, Math.floor(stripBytes / (width * px * 3)));
  const total = service.tileCount;
  const progress = progressLog('poster', total);
  if (total >= 1000) console.log(`poster: ${total} tiles at ${px}px, ${width}x${height}`);
  let done = 0;
  const scale = Math.min(1, BACKGROUND_MAX_PX / Math.max(width, height));
  const bg = await target.raster(
    Math.max(1, Math.round(width * scale)),
    Math.max(1, Math.round(height * scale)),
  );
  const files: string[] = [];
  for (let r0 = 0; r0 < rows; r0 += rowsPerStrip) {
    const n = Math.min(rowsPerStrip, rows - r0);
    const rect = { x: 0, y: r0 * px, width, height: n * px };
    const tiles = service.liveIn(0, r0, cols, n);
    const raw = await renderRegion({
      cols,
      rows,
      tilePx: px,
      rect,
      tiles,
      read: (id, size) => service.readFile(id, size),
      readRgb32: (id) => service.readRgb32(id),
      // The dimmed target, as export.png's empty cells show it.
      background: await sharp(bg.data, { raw: { width: bg.width, height: bg.height, channels: 3 } })
        .resize(width, height, { fit: 'fill', kernel: 'cubic' })
        .extract({ left: 0, top: rect.y, width, height: rect.height })
        .linear(0.4, 0)
        .raw()
        .toBuffer(),
      progress: (k) => progress(Math.min(total, done + k)),
    });
    done += tiles.length;
    const file = join(dir, `${files.length}.tif`);
    await sharp(raw, { raw: { width, height: rect.height, channels: 3 } })
      .tiff({ compression: 'none' })
      .toFile(file);
    files.push(file);
  }
  return files;
}
