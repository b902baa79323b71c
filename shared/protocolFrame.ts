/**
 * The binary whole-mosaic frame: `mosaic:snapshot` (everything a new client needs) and
 * `mosaic:grown` (a re-layout: new geometry and every tile's new cell). 12 bytes per tile.
 *
 * Header ({@link FRAME_HEADER_BYTES} = 16 bytes, little-endian):
 * ```
 *  0 u8  kind      FrameKind.SNAPSHOT or FrameKind.GROWN
 *  1 u8  format    FORMAT_VERSION
 *  2 u8  tintStep  tints are stored as i8 multiples of this (1 = exact up to ±127)
 *  3 u8  reserved 0
 *  4 u32 seq
 *  8 u16 cols
 * 10 u16 rows
 * 12 u32 count     tiles that follow
 * ```
 * Tile ({@link FRAME_TILE_BYTES} = 12 bytes):
 * ```
 *  0 u32 id
 *  4 u24 cell      col | row << 12  (so cols, rows <= MAX_GRID_SIDE = 4096)
 *  7 i8  tint r    tint / tintStep, rounded
 *  8 i8  tint g
 *  9 i8  tint b
 * 10 u16 rgb565    the tile's untinted mean colour
 * ```
 * The encoder picks the smallest tintStep that fits the largest |tint|, so tints are exact
 * while |tint| <= 127 (MOSAIC_TINT <= 0.5) and within ±tintStep/2 beyond.
 *
 * Pure TypeScript: no I/O, no Node or DOM APIs.
 */
import type { Placement } from './mosaic/types.ts';
import {
  type BinaryLike,
  FORMAT_VERSION,
  FrameKind,
  ProtocolDecodeError,
  viewOf,
} from './protocolChanges.ts';

/** Bytes before the first tile of a frame. */
export const FRAME_HEADER_BYTES = 16;
/** Bytes per tile in a frame. */
export const FRAME_TILE_BYTES = 12;
/** The largest number of columns or rows a frame can carry. */
export const MAX_GRID_SIDE = 4096;

/** A tile as the frame encoder takes it (the shape of the server's `LiveTile`). */
export interface FrameTile extends Placement {
  /** The untinted tile's mean sRGB colour. */
  rgb: readonly [number, number, number];
}

/** What {@link encodeFrame} takes. */
export interface FrameInput {
  kind: 'snapshot' | 'grown';
  seq: number;
  cols: number;
  rows: number;
  tiles: readonly FrameTile[];
}

/** Packs 8-bit r, g, b as RGB565. */
export function rgbTo565(r: number, g: number, b: number): number {
  return ((r & 0xf8) << 8) | ((g & 0xfc) << 3) | ((b & 255) >> 3);
}

/** Expands RGB565 to 0xRRGGBB, replicating high bits so 0x1f maps to 0xff. */
export function rgb565To24(c: number): number {
  const r5 = (c >> 11) & 31;
  const g6 = (c >> 5) & 63;
  const b5 = c & 31;
  return (((r5 << 3) | (r5 >> 2)) << 16) | (((g6 << 2) | (g6 >> 4)) << 8) | ((b5 << 3) | (b5 >> 2));
}

function clampI8(v: number): number {
  return Math.max(-127, Math.min(127, v));
}

/**
 * The cell-major arrays a frame can also be encoded from (the shape of {@link LiveMosaic}):
 * cell i = row * cols + col holds tile `cellId[i]` (0 = empty), tint `cellTint[3i..3i+2]`
 * and untinted colour `cellRgb[i]` (0xRRGGBB).
 */
export interface FrameCells {
  seq: number;
  cols: number;
  rows: number;
  cellId: Uint32Array;
  cellTint: Int16Array;
  cellRgb: Uint32Array;
}

function checkGrid(cols: number, rows: number): void {
  if (cols > MAX_GRID_SIDE || rows > MAX_GRID_SIDE || cols < 0 || rows < 0) {
    throw new RangeError(`grid ${cols}x${rows} exceeds ${MAX_GRID_SIDE} per side`);
  }
}

/** The smallest tint step that fits the largest |tint| in an i8. */
function tintStep(maxAbs: number): number {
  return Math.min(255, Math.max(1, Math.ceil(maxAbs / 127)));
}

/** A frame buffer with its header written; tiles go at FRAME_HEADER_BYTES + i * FRAME_TILE_BYTES. */
function frameBuffer(
  kind: 'snapshot' | 'grown',
  seq: number,
  cols: number,
  rows: number,
  count: number,
  step: number,
) {
  const out = new Uint8Array(FRAME_HEADER_BYTES + count * FRAME_TILE_BYTES);
  const view = new DataView(out.buffer);
  view.setUint8(0, kind === 'snapshot' ? FrameKind.SNAPSHOT : FrameKind.GROWN);
  view.setUint8(1, FORMAT_VERSION);
  view.setUint8(2, step);
  view.setUint32(4, seq, true);
  view.setUint16(8, cols, true);
  view.setUint16(10, rows, true);
  view.setUint32(12, count, true);
  return { out, view };
}

/** Writes tile record at `o` with plain byte writes: this runs for every tile of a big mosaic. */
function writeTile(
  out: Uint8Array,
  o: number,
  id: number,
  cell: number,
  step: number,
  tr: number,
  tg: number,
  tb: number,
  rgb565: number,
): void {
  out[o] = id & 255;
  out[o + 1] = (id >>> 8) & 255;
  out[o + 2] = (id >>> 16) & 255;
  out[o + 3] = id >>> 24;
  out[o + 4] = cell & 255;
  out[o + 5] = (cell >>> 8) & 255;
  out[o + 6] = cell >>> 16;
  // With step 1 every tint already fits an i8: the step was chosen so.
  out[o + 7] = (step === 1 ? Math.round(tr) : clampI8(Math.round(tr / step))) & 255;
  out[o + 8] = (step === 1 ? Math.round(tg) : clampI8(Math.round(tg / step))) & 255;
  out[o + 9] = (step === 1 ? Math.round(tb) : clampI8(Math.round(tb / step))) & 255;
  out[o + 10] = rgb565 & 255;
  out[o + 11] = rgb565 >>> 8;
}

/** Encodes a snapshot or growth frame; throws RangeError if the grid exceeds {@link MAX_GRID_SIDE}. */
export function encodeFrame(input: FrameInput): Uint8Array {
  const { tiles, cols, rows } = input;
  checkGrid(cols, rows);
  let maxAbs = 0;
  for (const t of tiles) {
    const m = Math.max(Math.abs(t.tint.r), Math.abs(t.tint.g), Math.abs(t.tint.b));
    if (m > maxAbs) maxAbs = m;
  }
  const step = tintStep(maxAbs);
  const { out } = frameBuffer(input.kind, input.seq, cols, rows, tiles.length, step);
  let o = FRAME_HEADER_BYTES;
  for (let i = 0; i < tiles.length; i++, o += FRAME_TILE_BYTES) {
    const t = tiles[i]!;
    if (t.col < 0 || t.col >= cols || t.row < 0 || t.row >= rows) {
      throw new RangeError(`tile ${t.id} at ${t.col},${t.row} is outside ${cols}x${rows}`);
    }
    const rgb565 = rgbTo565(t.rgb[0], t.rgb[1], t.rgb[2]);
    writeTile(out, o, t.id, t.col | (t.row << 12), step, t.tint.r, t.tint.g, t.tint.b, rgb565);
  }
  return out;
}

/**
 * Encodes a frame straight from cell-major arrays, in cell order: no per-tile objects, so a
 * server holding the mosaic this way answers a million-tile snapshot in milliseconds. With
 * a `block`, only the tiles in it (a region frame: the grid's size, the block's tiles).
 */
export function encodeCellsFrame(kind: 'snapshot' | 'grown', m: FrameCells, block?: CellBlock): Uint8Array {
  const { cols, rows, cellId, cellTint, cellRgb } = m;
  checkGrid(cols, rows);
  const b = clipBlock(cols, rows, block);
  let count = 0;
  let maxAbs = 0;
  for (let row = b.row; row < b.row + b.rows; row++) {
    for (let i = row * cols + b.col, end = i + b.cols; i < end; i++) {
      if (cellId[i] === 0) continue;
      count++;
      for (let k = 3 * i; k < 3 * i + 3; k++) {
        const a = Math.abs(cellTint[k]!);
        if (a > maxAbs) maxAbs = a;
      }
    }
  }
  const step = tintStep(maxAbs);
  const { out } = frameBuffer(kind, m.seq, cols, rows, count, step);
  let o = FRAME_HEADER_BYTES;
  for (let row = b.row; row < b.row + b.rows; row++) {
    for (let col = b.col, i = row * cols + b.col; col < b.col + b.cols; col++, i++) {
      const id = cellId[i]!;
      if (id === 0) continue;
      const c = cellRgb[i]!;
      const rgb565 = ((c >>> 8) & 0xf800) | ((c >>> 5) & 0x07e0) | ((c & 255) >>> 3);
      const t = 3 * i;
      writeTile(
        out,
        o,
        id,
        col | (row << 12),
        step,
        cellTint[t]!,
        cellTint[t + 1]!,
        cellTint[t + 2]!,
        rgb565,
      );
      o += FRAME_TILE_BYTES;
    }
  }
  return out;
}

/** A block of cells: `cols` x `rows` cells from (col, row). */
export interface CellBlock {
  col: number;
  row: number;
  cols: number;
  rows: number;
}

/** A block cut to the grid (the whole grid when none is given). */
export function clipBlock(cols: number, rows: number, b?: CellBlock): CellBlock {
  if (!b) return { col: 0, row: 0, cols, rows };
  const col = Math.max(0, Math.min(cols, b.col));
  const row = Math.max(0, Math.min(rows, b.row));
  return {
    col,
    row,
    cols: Math.max(0, Math.min(cols, b.col + b.cols) - col),
    rows: Math.max(0, Math.min(rows, b.row + b.rows) - row),
  };
}

/** A frame's checked header, and its bytes (tile i at FRAME_HEADER_BYTES + i * FRAME_TILE_BYTES). */
export interface FrameHeader {
  kind: 'snapshot' | 'grown';
  seq: number;
  step: number;
  cols: number;
  rows: number;
  count: number;
  bytes: Uint8Array;
}

/** Reads and checks a frame's header; throws {@link ProtocolDecodeError} on anything malformed. */
export function readFrameHeader(data: BinaryLike): FrameHeader {
  const view = viewOf(data);
  if (view.byteLength < FRAME_HEADER_BYTES) throw new ProtocolDecodeError('frame too short');
  const k = view.getUint8(0);
  if (k !== FrameKind.SNAPSHOT && k !== FrameKind.GROWN) throw new ProtocolDecodeError('not a frame');
  if (view.getUint8(1) !== FORMAT_VERSION) throw new ProtocolDecodeError('unknown frame format');
  const count = view.getUint32(12, true);
  if (view.byteLength !== FRAME_HEADER_BYTES + count * FRAME_TILE_BYTES) {
    throw new ProtocolDecodeError('frame length does not match its count');
  }
  return {
    kind: k === FrameKind.SNAPSHOT ? 'snapshot' : 'grown',
    seq: view.getUint32(4, true),
    step: view.getUint8(2),
    cols: view.getUint16(8, true),
    rows: view.getUint16(10, true),
    count,
    bytes: new Uint8Array(view.buffer, view.byteOffset, view.byteLength),
  };
}
