import { TILE_SIZES, type TileSize } from '../../shared/httpApi.ts';
import type { Rect } from '../../shared/mosaic/pyramid.ts';
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

/** Reads a tile's 32 px pixels as raw RGB; null where they are not stored. */
export type ReadRgb32 = (id: number) => Promise<Buffer | null>;

/**
 * Copies a px x px square of RGB pixels (from `src` at byte `at`, `srcWidth` px to a row) to
 * (x0, y0) of `dst` (`dstWidth` px to a row, RGB or RGBA), each channel plus the tint: the
 * same pixels sharp's `linear` gives for the whole-step tints, as `dst` clamps to 0..255.
 * Alpha, where `dst` has it, is opaque.
 */
export function paintTinted(
  dst: Uint8ClampedArray,
  dstWidth: number,
  channels: 3 | 4,
  x0: number,
  y0: number,
  src: Uint8Array,
  at: number,
  srcWidth: number,
  px: number,
  tint: Tint,
): void {
  for (let y = 0; y < px; y++) {
    let i = at + y * srcWidth * 3;
    let o = ((y0 + y) * dstWidth + x0) * channels;
    for (let x = 0; x < px; x++, i += 3, o += channels) {
      dst[o] = src[i]! + tint.r;
      dst[o + 1] = src[i + 1]! + tint.g;
      dst[o + 2] = src[i + 2]! + tint.b;
      if (channels === 4) dst[o + 3] = 255;
    }
  }
}

/** A side x side square of raw RGB with the tint added, as RGB or RGBA (opaque). */
function tintSquare(rgb: Uint8Array, side: number, tint: Tint, channels: 3 | 4): Buffer {
  const out = Buffer.allocUnsafe(side * side * channels);
  paintTinted(
    new Uint8ClampedArray(out.buffer, out.byteOffset, out.length),
    side,
    channels,
    0,
    0,
    rgb,
    0,
    side,
    side,
    tint,
  );
  return out;
}

/**
 * A square of raw RGB shrunk from `side` to `px` (at most `side`) by area averaging: each
 * output pixel the mean of the source area it covers, edge pixels weighted by how much of
 * them it covers. At a divisor of `side` it is the plain box mean. No sharp pipeline: a
 * whole mosaic drawn at a few px per cell costs a pass over its tiles' 32 px pixels, where a
 * pipeline per tile cost about a millisecond of CPU each.
 */
export function shrinkSquare(src: Uint8Array, side: number, px: number): Buffer {
  if (px === side) return Buffer.from(src.buffer, src.byteOffset, side * side * 3);
  const out = Buffer.allocUnsafe(px * px * 3);
  const f = side / px;
  // Each output column's source columns and their weights (the same for every row).
  const spans: { from: number; w: number[] }[] = [];
  for (let o = 0; o < px; o++) {
    const a = o * f;
    const b = a + f;
    const from = Math.floor(a);
    const w: number[] = [];
    for (let i = from; i < b && i < side; i++) w.push(Math.min(i + 1, b) - Math.max(i, a));
    spans.push({ from, w });
  }
  const area = f * f;
  for (let oy = 0; oy < px; oy++) {
    const ys = spans[oy]!;
    for (let ox = 0; ox < px; ox++) {
      const xs = spans[ox]!;
      let r = 0;
      let g = 0;
      let b = 0;
      for (let j = 0; j < ys.w.length; j++) {
        const wy = ys.w[j]!;
        let i = ((ys.from + j) * side + xs.from) * 3;
        for (let k = 0; k < xs.w.length; k++, i += 3) {
          const w = wy * xs.w[k]!;
          r += w * src[i]!;
          g += w * src[i + 1]!;
          b += w * src[i + 2]!;
        }
      }
      const o = (oy * px + ox) * 3;
      out[o] = Math.round(r / area);
      out[o + 1] = Math.round(g / area);
      out[o + 2] = Math.round(b / area);
    }
  }
  return out;
}

/** The smallest stored size that is at least `px`. */
function sourceSize(px: number): TileSize {
  return TILE_SIZES.find((s) => s >= px) ?? TILE_SIZES[TILE_SIZES.length - 1]!;
}

/**
 * A tile at px x px with its tint added, as RGB or RGBA pixels; null for a tile gone. At 32 px
 * or less, where `readRgb32` finds the tile's raw 32 px pixels, they are shrunk and tinted in
 * JavaScript (no decode); otherwise the smallest stored WebP of at least px is decoded.
 */
export async function tintedPixels(
  read: ReadTile,
  t: ComposeTile,
  px: number,
  channels: 3 | 4,
  readRgb32?: ReadRgb32,
): Promise<Buffer | null> {
  if (readRgb32 && px <= 32) {
    const raw = await readRgb32(t.id);
    if (raw) return tintSquare(shrinkSquare(raw, 32, px), px, t.tint, channels);
  }
  const file = await read(t.id, sourceSize(px));
  if (!file) return null;
  let img = sharp(file).resize(px, px, { kernel: px < 32 ? 'cubic' : 'lanczos3' });
  if (t.tint.r || t.tint.g || t.tint.b) img = img.linear([1, 1, 1], [t.tint.r, t.tint.g, t.tint.b]);
  img = channels === 4 ? img.ensureAlpha(1) : img.removeAlpha();
  return img.raw().toBuffer();
}

/** One tile at px x px, tinted as in the mosaic, as raw RGB; null when its file is gone. */
export function renderTile(read: ReadTile, t: ComposeTile, px: number): Promise<Buffer | null> {
  return tintedPixels(read, t, px, 3);
}

/** Copies a px x px square to (x0, y0) of a dstWidth x dstHeight picture, clipped to it. */
export function blit(
  dst: Buffer,
  dstWidth: number,
  dstHeight: number,
  src: Buffer,
  px: number,
  x0: number,
  y0: number,
  ch: number,
) {
  const left = Math.max(0, -x0);
  const right = Math.min(px, dstWidth - x0);
  if (right <= left) return;
  for (let y = Math.max(0, -y0); y < Math.min(px, dstHeight - y0); y++) {
    src.copy(dst, ((y0 + y) * dstWidth + x0 + left) * ch, (y * px + left) * ch, (y * px + right) * ch);
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

export interface RegionOptions {
  cols: number;
  rows: number;
  /** Px per cell of the whole picture. */
  tilePx: number;
  /** The part of the cols*tilePx x rows*tilePx picture to render. */
  rect: Rect;
  /** The tiles to draw; those outside `rect` cost a decode and are clipped away, so pass the ones under it. */
  tiles: ComposeTile[];
  read: ReadTile;
  /** The background of `rect`: the target dimmed (see {@link dimmedTarget}), raw RGB. */
  background: Buffer;
  /** Where tiles keep their raw 32 px pixels: at 32 px per cell or less, they are drawn from those without a decode. */
  readRgb32?: ReadRgb32;
  /** Called with (done, total) as tiles land in the picture. */
  progress?: (done: number, total: number) => void;
}

/** The target at width x height, dimmed as the background of empty cells, raw RGB; with `rect`, only that part. */
export async function dimmedTarget(
  target: Target,
  width: number,
  height: number,
  rect?: Rect,
): Promise<Buffer> {
  const bg = await target.raster(width, height, rect);
  return sharp(bg.data, { raw: { width: bg.width, height: bg.height, channels: 3 } })
    .linear(0.4, 0)
    .raw()
    .toBuffer();
}

/**
 * A rectangle of the mosaic at tilePx px per cell, as raw RGB: tinted tiles at their cells
 * over the given background. The whole export and every deep-zoom tile are made by this,
 * so a tile has the export's pixels. Tiles are written into one raw buffer (no composite()
 * with thousands of inputs, which overflows: sharp issue 2286).
 */
export async function renderRegion(o: RegionOptions): Promise<Buffer> {
  const { rect, tilePx } = o;
  const out = o.background;
  const sorted = [...o.tiles].sort((a, b) => a.row - b.row || a.col - b.col);
  await forEachBatched(
    sorted,
    16,
    async (t) => {
      const px = await tintedPixels(o.read, t, tilePx, 3, o.readRgb32);
      const x0 = t.col * tilePx - rect.x;
      const y0 = t.row * tilePx - rect.y;
      if (px) blit(out, rect.width, rect.height, px, tilePx, x0, y0, 3);
    },
    (done) => o.progress?.(done, sorted.length),
  );
  return out;
}

export interface ExportOptions {
  cols: number;
  rows: number;
  tilePx: number;
  tiles: ComposeTile[];
  read: ReadTile;
  readRgb32?: ReadRgb32;
  target: Target;
  /** Called with (done, total) as tiles land in the picture. */
  progress?: (done: number, total: number) => void;
}

/** The whole mosaic as one PNG: tinted tiles at their cells, empty cells showing the target dimmed. */
export async function renderExport(o: ExportOptions): Promise<Buffer> {
  const width = o.cols * o.tilePx;
  const height = o.rows * o.tilePx;
  const out = await renderRegion({
    ...o,
    rect: { x: 0, y: 0, width, height },
    background: await dimmedTarget(o.target, width, height),
  });
  return sharp(out, { raw: { width, height, channels: 3 } })
    .png({ compressionLevel: 6 })
    .toBuffer();
}
