/**
 * A client's copy of the live mosaic, kept by applying decoded frames and change batches
 * in sequence order. It notices gaps (a change missing: resync with `since = seq`) and
 * drops duplicates (a change already applied), so the caller never draws a wrong state.
 *
 * Pure TypeScript: no I/O, no Node or DOM APIs, no socket.io import.
 */
import { type BinaryLike, ProtocolDecodeError, type Rgb24, type WireChange } from './protocolChanges.ts';
import {
  type CellBlock,
  clipBlock,
  FRAME_HEADER_BYTES,
  FRAME_TILE_BYTES,
  readFrameHeader,
  rgb565To24,
  rgbTo565,
} from './protocolFrame.ts';

/** What applying a frame or a batch did. */
export type ApplyResult =
  | {
      /** Everything new was applied; `duplicates` older changes were skipped. */
      status: 'applied';
      applied: number;
      duplicates: number;
      /** Cell indices (row * cols + col) whose content changed; empty after a frame (see `relaid`). */
      cells: number[];
      /** True when the whole layout was replaced (snapshot or growth): redraw everything. */
      relaid: boolean;
    }
  | {
      /**
       * A change is missing (`got` > `expected`), or there is no snapshot yet. Changes before
       * the gap were applied and are listed in `cells`; reconnect or resync with `since = seq`.
       */
      status: 'gap';
      expected: number;
      got: number;
      applied: number;
      duplicates: number;
      cells: number[];
      relaid: boolean;
    }
  | {
      /** A change pointed outside the grid; nothing from it on was applied. Resync. */
      status: 'invalid';
      reason: string;
      applied: number;
      duplicates: number;
      cells: number[];
      relaid: boolean;
    };

/**
 * id -> cell index. Ids are database ids, dense in practice, so they index a growable typed
 * array (1M tiles load ~10x faster than with a Map); ids past 2^24 fall back to a Map.
 */
class CellsById {
  private dense: Int32Array<ArrayBufferLike> = new Int32Array(1024).fill(-1);
  private readonly sparse = new Map<number, number>();
  size = 0;

  get(id: number): number | undefined {
    if (id < this.dense.length) {
      const c = this.dense[id]!;
      return c < 0 ? undefined : c;
    }
    return this.sparse.get(id);
  }

  set(id: number, cell: number): void {
    if (id < 1 << 24) {
      if (id >= this.dense.length) {
        let n = this.dense.length;
        while (n <= id) n *= 2;
        const grown = new Int32Array(n).fill(-1);
        grown.set(this.dense);
        this.dense = grown;
      }
      if (this.dense[id]! < 0) this.size++;
      this.dense[id] = cell;
    } else {
      if (!this.sparse.has(id)) this.size++;
      this.sparse.set(id, cell);
    }
  }

  delete(id: number): void {
    if (id < this.dense.length) {
      if (this.dense[id]! >= 0) this.size--;
      this.dense[id] = -1;
    } else if (this.sparse.delete(id)) this.size--;
  }

  clear(): void {
    this.dense.fill(-1);
    this.sparse.clear();
    this.size = 0;
  }

  /** Takes over a decoded index (see {@link decodeLayout}). */
  adopt(dense: Int32Array, size: number, sparse: readonly (readonly [number, number])[]): void {
    this.dense = dense;
    this.sparse.clear();
    for (const [id, cell] of sparse) this.sparse.set(id, cell);
    this.size = size;
  }
}

/**
 * A whole frame decoded straight into the cell-major arrays a {@link LiveMosaic} holds, with
 * its id -> cell index: one pass over the bytes, no per-tile arrays in between. Plain typed
 * arrays, so a Worker can build it and transfer it (see client/net/frameWorker.ts).
 */
export interface Layout {
  kind: 'snapshot' | 'grown';
  seq: number;
  cols: number;
  rows: number;
  cellId: Uint32Array<ArrayBuffer>;
  cellTint: Int16Array<ArrayBuffer>;
  cellRgb: Uint32Array<ArrayBuffer>;
  /** id -> cell (-1: none) for ids below 2^24; a power-of-two length of at least 1024. */
  dense: Int32Array<ArrayBuffer>;
  /** Ids from 2^24 on, with their cells. */
  sparse: [number, number][];
  /** Tiles in the layout. */
  size: number;
}

/** The arrays of a layout being built, sized for the grid and the largest dense id. */
interface LayoutParts {
  cellId: Uint32Array<ArrayBuffer>;
  cellTint: Int16Array<ArrayBuffer>;
  cellRgb: Uint32Array<ArrayBuffer>;
  dense: Int32Array<ArrayBuffer>;
  sparse: Map<number, number>;
}

function layoutParts(cells: number, maxDenseId: number): LayoutParts {
  let len = 1024;
  while (len <= maxDenseId) len *= 2;
  return {
    cellId: new Uint32Array(cells),
    cellTint: new Int16Array(cells * 3),
    cellRgb: new Uint32Array(cells),
    dense: new Int32Array(len).fill(-1),
    sparse: new Map(),
  };
}

/** Puts a tile in a cell. In a malformed frame (two tiles in a cell, a tile twice) the later wins. */
function putTile(
  p: LayoutParts,
  id: number,
  cell: number,
  tr: number,
  tg: number,
  tb: number,
  rgb: number,
): void {
  const before = p.cellId[cell]!;
  if (before !== 0 && before !== id) {
    if (before < DENSE_IDS) p.dense[before] = -1;
    else p.sparse.delete(before);
  }
  const was = id < DENSE_IDS ? p.dense[id]! : (p.sparse.get(id) ?? -1);
  if (was >= 0 && was !== cell) {
    p.cellId[was] = 0;
    p.cellTint.fill(0, 3 * was, 3 * was + 3);
    p.cellRgb[was] = 0;
  }
  if (id < DENSE_IDS) p.dense[id] = cell;
  else p.sparse.set(id, cell);
  p.cellId[cell] = id;
  p.cellTint[3 * cell] = tr;
  p.cellTint[3 * cell + 1] = tg;
  p.cellTint[3 * cell + 2] = tb;
  p.cellRgb[cell] = rgb;
}

function finishLayout(p: LayoutParts, kind: Layout['kind'], seq: number, cols: number, rows: number): Layout {
  let size = 0;
  for (let i = 0; i < p.cellId.length; i++) if (p.cellId[i] !== 0) size++;
  const { cellId, cellTint, cellRgb, dense } = p;
  return { kind, seq, cols, rows, cellId, cellTint, cellRgb, dense, sparse: [...p.sparse], size };
}

/** Decodes a snapshot or growth frame into a {@link Layout}; throws ProtocolDecodeError when malformed. */
export function decodeLayout(data: BinaryLike): Layout {
  const { kind, seq, step, cols, rows, count, bytes } = readFrameHeader(data);
  const u32 = (o: number) =>
    (bytes[o]! | (bytes[o + 1]! << 8) | (bytes[o + 2]! << 16) | (bytes[o + 3]! << 24)) >>> 0;
  let max = 0;
  for (let i = 0, o = FRAME_HEADER_BYTES; i < count; i++, o += FRAME_TILE_BYTES) {
    const id = u32(o);
    if (id > max && id < DENSE_IDS) max = id;
  }
  const p = layoutParts(cols * rows, max);
  for (let i = 0, o = FRAME_HEADER_BYTES; i < count; i++, o += FRAME_TILE_BYTES) {
    const id = u32(o);
    const packed = bytes[o + 4]! | (bytes[o + 5]! << 8) | (bytes[o + 6]! << 16);
    const c = packed & 4095;
    const r = packed >>> 12;
    if (c >= cols || r >= rows) throw new ProtocolDecodeError(`tile ${id} outside the grid`);
    const tr = ((bytes[o + 7]! << 24) >> 24) * step;
    const tg = ((bytes[o + 8]! << 24) >> 24) * step;
    const tb = ((bytes[o + 9]! << 24) >> 24) * step;
    putTile(p, id, r * cols + c, tr, tg, tb, rgb565To24(bytes[o + 10]! | (bytes[o + 11]! << 8)));
  }
  return finishLayout(p, kind, seq, cols, rows);
}

/** Ids below this are indexed by a typed array; larger ones by a Map. */
const DENSE_IDS = 1 << 24;

/** Adds a tint to an untinted colour, clamped per channel: the colour a far-out view draws. */
export function tintedRgb(rgb: Rgb24, tr: number, tg: number, tb: number): Rgb24 {
  const c = (v: number) => Math.max(0, Math.min(255, v));
  return (c(((rgb >>> 16) & 255) + tr) << 16) | (c(((rgb >>> 8) & 255) + tg) << 8) | c((rgb & 255) + tb);
}

/**
 * The mosaic as a client holds it, cell-major for a renderer: cell i = row * cols + col holds
 * tile `cellId[i]` (0 = empty), tint `cellTint[3i..3i+2]` and untinted colour `cellRgb[i]`
 * (always at RGB565 precision, as in a snapshot, so two viewers agree however they joined).
 */
export class LiveMosaic {
  /** Columns of the grid (0 before the first snapshot). */
  cols = 0;
  /** Rows of the grid. */
  rows = 0;
  /** Sequence number of the last change applied; pass it as `auth.since` on reconnect. */
  seq = 0;
  /** False until the first snapshot: until then every batch reports a gap. */
  ready = false;
  /** Tile id per cell, 0 when empty. */
  cellId = new Uint32Array(0);
  /** Tint per cell, 3 per cell. */
  cellTint = new Int16Array(0);
  /** Untinted mean colour per cell, 0xRRGGBB. */
  cellRgb = new Uint32Array(0);
  private readonly cellOf = new CellsById();

  /** True when only some cells are held (see {@link applyGeometry}). */
  partial = false;
  private partialSize = 0;

  /** Tiles in the mosaic. */
  get size(): number {
    return this.partial ? this.partialSize : this.cellOf.size;
  }

  /** The cell index of a tile, or undefined. */
  cellOfTile(id: number): number | undefined {
    return this.cellOf.get(id);
  }

  /** The colour a far-out view draws for a cell (tinted mean), or undefined when empty. */
  farColour(cell: number): Rgb24 | undefined {
    if (!this.cellId[cell]) return undefined;
    const t = this.cellTint;
    return tintedRgb(this.cellRgb[cell]!, t[3 * cell]!, t[3 * cell + 1]!, t[3 * cell + 2]!);
  }

  /**
   * Applies a decoded `mosaic:snapshot` (always, replacing everything) or `mosaic:grown`
   * (only when it is the next change; an older one is a duplicate, a later one a gap). The
   * layout's arrays are taken over, not copied.
   */
  applyLayout(l: Layout): ApplyResult {
    if (l.kind === 'grown') {
      if (!this.ready) return this.gap(l.seq, 0, 0, [], false);
      if (l.seq <= this.seq) return this.done(0, 1, [], false);
      if (l.seq !== this.seq + 1) return this.gap(l.seq, 0, 0, [], false);
    }
    this.cols = l.cols;
    this.rows = l.rows;
    this.cellId = l.cellId;
    this.cellTint = l.cellTint;
    this.cellRgb = l.cellRgb;
    this.cellOf.adopt(l.dense, l.size, l.sparse);
    this.seq = l.seq;
    this.ready = true;
    this.partial = false;
    return this.done(1, 0, [], true);
  }

  /** Applies a decoded `tiles:changed` batch in order, stopping at the first gap. */
  applyChanges(changes: readonly WireChange[]): ApplyResult {
    const cells: number[] = [];
    let applied = 0;
    let duplicates = 0;
    for (const c of changes) {
      if (!this.ready) return this.gap(c.seq, applied, duplicates, cells, false);
      if (c.seq <= this.seq) {
        duplicates++;
        continue;
      }
      if (c.seq !== this.seq + 1) return this.gap(c.seq, applied, duplicates, cells, false);
      if (c.col >= this.cols || c.row >= this.rows) {
        const reason = `change ${c.seq} puts tile ${c.id} at ${c.col},${c.row} outside ${this.cols}x${this.rows}`;
        return { status: 'invalid', reason, applied, duplicates, cells, relaid: false };
      }
      this.applyOne(c, cells);
      if (this.partial) this.partialSize += c.type === 'placed' ? 1 : c.type === 'removed' ? -1 : 0;
      this.seq = c.seq;
      applied++;
    }
    return this.done(applied, duplicates, cells, false);
  }

  /** One change's effect on the cells (its seq already checked); the changed cells go to `cells`. */
  private applyOne(c: WireChange, cells: number[]): void {
    const cell = c.row * this.cols + c.col;
    const old = this.cellOf.get(c.id);
    if (old !== undefined) {
      if (this.cellId[old] === c.id) {
        this.clear(old);
        cells.push(old);
      }
      this.cellOf.delete(c.id);
    }
    if (c.type === 'removed') {
      // A viewer holding only some cells may not know where the tile was: the record says.
      if (this.cellId[cell] === c.id) {
        this.clear(cell);
        cells.push(cell);
      }
      return;
    }
    const occupant = this.cellId[cell]!;
    if (occupant && occupant !== c.id) this.cellOf.delete(occupant);
    // Quantised as a snapshot would be, so every viewer draws the same colour however it joined.
    const rgb = rgb565To24(rgbTo565((c.rgb >>> 16) & 255, (c.rgb >>> 8) & 255, c.rgb & 255));
    this.put(c.id, cell, c.tint.r, c.tint.g, c.tint.b, rgb);
    cells.push(cell);
  }

  /**
   * Starts holding only the grid's geometry, at `seq`, with `size` tiles placed and no cell
   * known: the viewer's region mode. Changes then apply as usual (each record carries all a
   * cell needs), and {@link applyRegion} fills in blocks of cells as the camera needs them.
   */
  applyGeometry(g: { cols: number; rows: number; seq: number; size: number }): void {
    const n = g.cols * g.rows;
    this.cols = g.cols;
    this.rows = g.rows;
    this.cellId = new Uint32Array(n);
    this.cellTint = new Int16Array(n * 3);
    this.cellRgb = new Uint32Array(n);
    this.cellOf.clear();
    this.seq = g.seq;
    this.partial = true;
    this.partialSize = g.size;
    this.ready = true;
  }

  /**
   * Fills a block of cells from a region frame (a snapshot frame holding only the block's
   * tiles, see encodeCellsFrame). A frame older than this mosaic is brought forward with the
   * `recent` changes after it; false when they do not reach back that far (fetch it again).
   * Returns the block's cells, or null when the frame is refused.
   */
  applyRegion(frame: BinaryLike, block: CellBlock, recent: readonly WireChange[]): number[] | null {
    const h = readFrameHeader(frame);
    if (!this.ready || !this.partial || h.cols !== this.cols || h.rows !== this.rows) return null;
    if (h.seq < this.seq && (recent.length === 0 || recent[0]!.seq > h.seq + 1)) return null;
    const b = clipBlock(this.cols, this.rows, block);
    const cells: number[] = [];
    for (let row = b.row; row < b.row + b.rows; row++) {
      for (let i = row * this.cols + b.col, end = i + b.cols; i < end; i++) {
        const id = this.cellId[i]!;
        if (id && this.cellOf.get(id) === i) this.cellOf.delete(id);
        this.clear(i);
        cells.push(i);
      }
    }
    const bytes = h.bytes;
    for (let k = 0, o = FRAME_HEADER_BYTES; k < h.count; k++, o += FRAME_TILE_BYTES) {
      const id = (bytes[o]! | (bytes[o + 1]! << 8) | (bytes[o + 2]! << 16) | (bytes[o + 3]! << 24)) >>> 0;
      const packed = bytes[o + 4]! | (bytes[o + 5]! << 8) | (bytes[o + 6]! << 16);
      const col = packed & 4095;
      const row = packed >>> 12;
      if (col < b.col || row < b.row || col >= b.col + b.cols || row >= b.row + b.rows) continue;
      const at = this.cellOf.get(id);
      if (at !== undefined && this.cellId[at] === id) {
        this.clear(at);
        cells.push(at);
      }
      const s = h.step;
      const tint = (v: number) => ((v << 24) >> 24) * s;
      this.put(
        id,
        row * this.cols + col,
        tint(bytes[o + 7]!),
        tint(bytes[o + 8]!),
        tint(bytes[o + 9]!),
        rgb565To24(bytes[o + 10]! | (bytes[o + 11]! << 8)),
      );
    }
    for (const c of recent) if (c.seq > h.seq && c.seq <= this.seq) this.applyOne(c, cells);
    return cells;
  }

  private put(id: number, cell: number, tr: number, tg: number, tb: number, rgb: number): void {
    this.cellId[cell] = id;
    this.cellTint[3 * cell] = tr;
    this.cellTint[3 * cell + 1] = tg;
    this.cellTint[3 * cell + 2] = tb;
    this.cellRgb[cell] = rgb;
    this.cellOf.set(id, cell);
  }

  private clear(cell: number): void {
    this.cellId[cell] = 0;
    this.cellTint.fill(0, 3 * cell, 3 * cell + 3);
    this.cellRgb[cell] = 0;
  }

  private done(applied: number, duplicates: number, cells: number[], relaid: boolean): ApplyResult {
    return { status: 'applied', applied, duplicates, cells, relaid };
  }

  private gap(
    got: number,
    applied: number,
    duplicates: number,
    cells: number[],
    relaid: boolean,
  ): ApplyResult {
    return { status: 'gap', expected: this.seq + 1, got, applied, duplicates, cells, relaid };
  }
}
