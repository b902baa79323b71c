/**
 * A client's copy of the live mosaic, kept by applying decoded frames and change batches
 * in sequence order. It notices gaps (a change missing: resync with `since = seq`) and
 * drops duplicates (a change already applied), so the caller never draws a wrong state.
 *
 * Pure TypeScript: no I/O, no Node or DOM APIs, no socket.io import.
 */
import type { Rgb24, WireChange } from './protocolChanges.ts';
import { type MosaicFrame, rgb565To24, rgbTo565 } from './protocolFrame.ts';

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
class CellIndex {
  private dense = new Int32Array(1024).fill(-1);
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

  /**
   * Replaces everything with `ids[i]` -> `cells[i]` in one pass: the dense array is sized
   * once for the largest id, so a million-tile snapshot does no per-tile growth checks.
   */
  load(ids: Uint32Array, cells: Int32Array, count: number): void {
    let max = 0;
    for (let i = 0; i < count; i++) if (ids[i]! > max && ids[i]! < 1 << 24) max = ids[i]!;
    let n = 1024;
    while (n <= max) n *= 2;
    if (n !== this.dense.length) this.dense = new Int32Array(n);
    this.dense.fill(-1);
    this.sparse.clear();
    this.size = 0;
    const dense = this.dense;
    for (let i = 0; i < count; i++) {
      const id = ids[i]!;
      if (cells[i]! < 0) continue;
      if (id < 1 << 24) {
        if (dense[id]! < 0) this.size++;
        dense[id] = cells[i]!;
      } else this.set(id, cells[i]!);
    }
  }
}

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
  private readonly cellOf = new CellIndex();

  /** Tiles in the mosaic. */
  get size(): number {
    return this.cellOf.size;
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
   * Applies a `mosaic:snapshot` (always, replacing everything) or a `mosaic:grown` frame
   * (only when it is the next change; an older one is a duplicate, a later one a gap).
   */
  applyFrame(frame: MosaicFrame): ApplyResult {
    if (frame.kind === 'grown') {
      if (!this.ready) return this.gap(frame.seq, 0, 0, [], false);
      if (frame.seq <= this.seq) return this.done(0, 1, [], false);
      if (frame.seq !== this.seq + 1) return this.gap(frame.seq, 0, 0, [], false);
    }
    const n = frame.cols * frame.rows;
    this.cols = frame.cols;
    this.rows = frame.rows;
    const cellId = new Uint32Array(n);
    const cellTint = new Int16Array(n * 3);
    const cellRgb = new Uint32Array(n);
    const cellOfTile = new Int32Array(frame.count);
    const { id, col, row, tint, rgb } = frame;
    for (let i = 0; i < frame.count; i++) {
      const cell = row[i]! * frame.cols + col[i]!;
      cellOfTile[i] = cell;
      cellId[cell] = id[i]!;
      cellTint[3 * cell] = tint[3 * i]!;
      cellTint[3 * cell + 1] = tint[3 * i + 1]!;
      cellTint[3 * cell + 2] = tint[3 * i + 2]!;
      cellRgb[cell] = rgb[i]!;
    }
    // A malformed frame with two tiles in one cell: the later one wins, the earlier is gone.
    for (let i = 0; i < frame.count; i++) if (cellId[cellOfTile[i]!] !== id[i]) cellOfTile[i] = -1;
    this.cellId = cellId;
    this.cellTint = cellTint;
    this.cellRgb = cellRgb;
    this.cellOf.load(id, cellOfTile, frame.count);
    this.seq = frame.seq;
    this.ready = true;
    // Everything was replaced: `relaid` says so, and `cells` stays empty.
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
      const cell = c.row * this.cols + c.col;
      const old = this.cellOf.get(c.id);
      if (old !== undefined) {
        if (this.cellId[old] === c.id) {
          this.clear(old);
          cells.push(old);
        }
        this.cellOf.delete(c.id);
      }
      if (c.type !== 'removed') {
        const occupant = this.cellId[cell]!;
        if (occupant && occupant !== c.id) this.cellOf.delete(occupant);
        // Quantised as a snapshot would be, so every viewer draws the same colour however it joined.
        const rgb = rgb565To24(rgbTo565((c.rgb >>> 16) & 255, (c.rgb >>> 8) & 255, c.rgb & 255));
        this.put(c.id, cell, c.tint.r, c.tint.g, c.tint.b, rgb);
        cells.push(cell);
      }
      this.seq = c.seq;
      applied++;
    }
    return this.done(applied, duplicates, cells, false);
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
