import { TILE_SIZES, type TileSize } from '../../shared/httpApi.ts';
import type { Tint } from '../../shared/mosaic/types.ts';
import { sharp } from './sharp.ts';
import type { Target } from './target.ts';

/** A placed tile, as composition needs it. */
export interface ComposeTile {
  id: number;
  col: number;
  row: number;
  tint: Tint;
}

/** Reads one stored size of a tile. */
export type ReadTile = (id: number, size: TileSize) => Promise<Buffer | null>;

/** The smallest stored size that is at least `px`. */
function sourceSize(px: number): TileSize {
  return TILE_SIZES.find((s) => s >= px) ?? TILE_SIZES[TILE_SIZES.length - 1]!;
}

/** Decodes a tile at px x px and adds its tint, into RGB or RGBA pixels. */
async function tintedPixels(
  read: ReadTile,
  t: ComposeTile,
  px: number,
  channels: 3 | 4,
): Promise<Buffer | null> {
  const file = await read(t.id, sourceSize(px));
  if (!file) return null;
  let img = sharp(file).resize(px, px, { kernel: px < 32 ? 'cubic' : 'lanczos3' });
  if (t.tint.r || t.tint.g || t.tint.b) img = img.linear([1, 1, 1], [t.tint.r, t.tint.g, t.tint.b]);
  img = channels === 4 ? img.ensureAlpha(1) : img.removeAlpha();
  return img.raw().toBuffer();
}

function blit(dst: Buffer, dstWidth: number, src: Buffer, px: number, x0: number, y0: number, ch: number) {
  for (let y = 0; y < px; y++) {
    src.copy(dst, ((y0 + y) * dstWidth + x0) * ch, y * px * ch, (y + 1) * px * ch);
  }
}

async function forEachBatched<T>(
  items: T[],
  batch: number,
  fn: (t: T) => Promise<void>,
  onBatch?: (done: number) => void,
) {
  for (let i = 0; i < items.length; i += batch) {
    await Promise.all(items.slice(i, i + batch).map(fn));
    onBatch?.(Math.min(items.length, i + batch));
  }
}

export interface ExportOptions {
  cols: number;
  rows: number;
  tilePx: number;
  tiles: ComposeTile[];
  read: ReadTile;
  target: Target;
  /** Called with (done, total) as tiles land in the picture. */
  progress?: (done: number, total: number) => void;
}

/**
 * The whole mosaic as one PNG: tinted tiles at their cells, empty cells showing the
 * target dimmed. Tiles are written into one raw buffer (no composite() with thousands
 * of inputs, which overflows: sharp issue 2286), then encoded once.
 */
export async function renderExport(o: ExportOptions): Promise<Buffer> {
  const width = o.cols * o.tilePx;
  const height = o.rows * o.tilePx;
  const bg = await o.target.raster(width, height);
  const out = await sharp(bg.data, { raw: { width, height, channels: 3 } })
    .linear(0.4, 0)
    .raw()
    .toBuffer();
  const sorted = [...o.tiles].sort((a, b) => a.row - b.row || a.col - b.col);
  await forEachBatched(
    sorted,
    16,
    async (t) => {
      const px = await tintedPixels(o.read, t, o.tilePx, 3);
      if (px) blit(out, width, px, o.tilePx, t.col * o.tilePx, t.row * o.tilePx, 3);
    },
    (done) => o.progress?.(done, sorted.length),
  );
  return sharp(out, { raw: { width, height, channels: 3 } })
    .png({ compressionLevel: 6 })
    .toBuffer();
}

export interface AtlasOptions {
  /** Cells per side of the block. */
  cells: number;
  tilePx: number;
  /** Top-left cell of the block. */
  col0: number;
  row0: number;
  tiles: ComposeTile[];
  read: ReadTile;
}

/** A block of cells x cells tiles, tinted, empty cells transparent, as WebP. */
export async function renderAtlas(o: AtlasOptions): Promise<Buffer> {
  const side = o.cells * o.tilePx;
  const out = Buffer.alloc(side * side * 4);
  await forEachBatched(o.tiles, 32, async (t) => {
    const px = await tintedPixels(o.read, t, o.tilePx, 4);
    if (px) blit(out, side, px, o.tilePx, (t.col - o.col0) * o.tilePx, (t.row - o.row0) * o.tilePx, 4);
  });
  return sharp(out, { raw: { width: side, height: side, channels: 4 } })
    .webp({ quality: 82, alphaQuality: 60, effort: 2 })
    .toBuffer();
}
