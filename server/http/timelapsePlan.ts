import type { Tint } from '../../shared/mosaic/types.ts';
import { tilesAtFrame } from '../../shared/timelapse.ts';
import type { FrameStep } from '../ingest/timelapseIpc.ts';
import type { TimelapseTiles } from './timelapseTiles.ts';

/** Hands out a video's frames in order, each as the change from the one before. */
export interface FramePlan {
  /** The grid of the first frame. */
  readonly grid: { cols: number; rows: number };
  next(f: number): Promise<FrameStep>;
  close(): Promise<void>;
}

/**
 * Frames from tiles drawn at their final cells (the embedded store keeps no log of moves):
 * each frame adds the tiles that arrived since the one before.
 */
export function listPlan(picked: TimelapseTiles, frames: number, cols: number, rows: number): FramePlan {
  const total = picked.ids.length;
  let drawn = 0;
  return {
    grid: { cols, rows },
    async next(f) {
      const want = Math.min(total, tilesAtFrame(f, frames, total, picked.already));
      const from = f === 0 ? 0 : drawn;
      const paint = picked.tiles.slice(from * 6, Math.max(from, want) * 6);
      drawn = Math.max(drawn, want);
      return { ...(f === 0 ? { grid: { cols, rows } } : {}), paint, clear: new Int32Array(0), count: want };
    },
    async close() {},
  };
}

/**
 * One record of the cluster's change log, as the replay needs it. A growth keeps its
 * placements packed (logCodec's 14-byte records), so that a growth of a million tiles is one
 * buffer and not a million objects.
 */
export type ReplayRecord =
  | { type: 'placed' | 'moved'; id: number; col: number; row: number; tint: Tint }
  | { type: 'removed'; id: number }
  | { type: 'grown'; cols: number; rows: number; layout: Buffer };

const PLACEMENT_BYTES = 14;

/**
 * The mosaic as a change log builds it, for the tiles of one video only: `keep` (ascending
 * ids) holds the tiles that are live now and asked for. Every record of any other tile (one
 * deleted since, one waiting for review, another rally's) is skipped, so such a tile is in no
 * frame at all. Memory is a few typed arrays the size of `keep` and of the grid.
 */
export class LogReplay {
  cols: number;
  rows: number;
  /** Tiles of `keep` whose first placement has been applied. */
  arrived = 0;
  /** Tiles of `keep` in the mosaic now. */
  present = 0;
  /** Index into `keep` of the tile in each cell, -1 for none. */
  private occupant: Int32Array;
  /** Each kept tile's cell (row * cols + col), -1 while not in the mosaic. */
  private readonly cellOf: Int32Array;
  private readonly tints: Int16Array;
  private readonly seen: Uint8Array;
  /** Cells changed since the last step, or null when the whole frame must be laid out again. */
  private dirty: Set<number> | null = null;

  constructor(
    private readonly keep: Uint32Array,
    cols: number,
    rows: number,
  ) {
    this.cols = cols;
    this.rows = rows;
    this.occupant = new Int32Array(cols * rows).fill(-1);
    this.cellOf = new Int32Array(keep.length).fill(-1);
    this.tints = new Int16Array(keep.length * 3);
    this.seen = new Uint8Array(keep.length);
  }

  /** Whether `r` is the first placement of a kept tile (the counter's steps). */
  arrives(r: ReplayRecord): boolean {
    if (r.type !== 'placed') return false;
    const i = indexOf(this.keep, r.id);
    return i >= 0 && !this.seen[i];
  }

  apply(r: ReplayRecord): void {
    if (r.type === 'grown') {
      this.regrid(r.cols, r.rows, r.layout);
      return;
    }
    const i = indexOf(this.keep, r.id);
    if (i < 0) return;
    this.vacate(i);
    if (r.type === 'removed') return;
    if (r.type === 'placed' && !this.seen[i]) {
      this.seen[i] = 1;
      this.arrived++;
    }
    this.put(i, r.col, r.row, r.tint.r, r.tint.g, r.tint.b);
  }

  /** Where a tile stands now, or null when it is not in the mosaic. */
  cell(id: number): { col: number; row: number } | null {
    const i = indexOf(this.keep, id);
    const c = i < 0 ? -1 : this.cellOf[i]!;
    return c < 0 ? null : { col: c % this.cols, row: Math.floor(c / this.cols) };
  }

  /** The change since the last step (everything, the first time and after a growth). */
  step(): FrameStep {
    const dirty = this.dirty;
    const cells = dirty ?? this.occupant.keys();
    const paint = new Int32Array(6 * (dirty ? dirty.size : this.present));
    const clear = new Int32Array(dirty ? 2 * dirty.size : 0);
    let p = 0;
    let q = 0;
    for (const c of cells) {
      const i = this.occupant[c]!;
      const col = c % this.cols;
      const row = Math.floor(c / this.cols);
      if (i >= 0) {
        paint.set(
          [this.keep[i]!, col, row, this.tints[3 * i]!, this.tints[3 * i + 1]!, this.tints[3 * i + 2]!],
          p,
        );
        p += 6;
      } else if (dirty) {
        clear.set([col, row], q);
        q += 2;
      }
    }
    this.dirty = new Set();
    return {
      ...(dirty ? {} : { grid: { cols: this.cols, rows: this.rows } }),
      paint: paint.slice(0, p),
      clear: clear.slice(0, q),
      count: this.present,
    };
  }

  private put(i: number, col: number, row: number, r: number, g: number, b: number): void {
    const c = row * this.cols + col;
    this.cellOf[i] = c;
    this.tints.set([r, g, b], 3 * i);
    this.occupant[c] = i;
    this.present++;
    this.dirty?.add(c);
  }

  private vacate(i: number): void {
    const c = this.cellOf[i]!;
    if (c < 0) return;
    this.cellOf[i] = -1;
    this.present--;
    // In a swap the other tile may have taken the cell already.
    if (this.occupant[c] === i) this.occupant[c] = -1;
    this.dirty?.add(c);
  }

  private regrid(cols: number, rows: number, layout: Buffer): void {
    this.cols = cols;
    this.rows = rows;
    this.occupant = new Int32Array(cols * rows).fill(-1);
    this.cellOf.fill(-1);
    this.present = 0;
    this.dirty = null;
    for (let o = 0; o + PLACEMENT_BYTES <= layout.length; o += PLACEMENT_BYTES) {
      const i = indexOf(this.keep, layout.readUInt32LE(o));
      if (i < 0) continue;
      const r = layout.readInt16LE(o + 8);
      const g = layout.readInt16LE(o + 10);
      const b = layout.readInt16LE(o + 12);
      this.put(i, layout.readUInt16LE(o + 4), layout.readUInt16LE(o + 6), r, g, b);
    }
  }
}

/** A change log read in seq order, one record at a time. */
export interface ReplaySource {
  /** The grid before the log's first growth. */
  readonly grid: { cols: number; rows: number };
  next(): Promise<ReplayRecord | null>;
  close(): Promise<void>;
}

/**
 * Frames from a change log: frame f shows the mosaic as the log had it just before the first
 * placement of the next tile due after that frame, so the moves and swaps that came with a
 * placement are in the same frame as it.
 */
export function logPlan(source: ReplaySource, keep: Uint32Array, frames: number, already: number): FramePlan {
  const replay = new LogReplay(keep, source.grid.cols, source.grid.rows);
  let ahead: ReplayRecord | null | undefined;
  return {
    grid: source.grid,
    async next(f) {
      const want = tilesAtFrame(f, frames, keep.length, already);
      for (;;) {
        if (ahead === undefined) ahead = await source.next();
        if (ahead === null) break;
        if (replay.arrived >= want && replay.arrives(ahead)) break;
        replay.apply(ahead);
        ahead = undefined;
      }
      return replay.step();
    },
    close: () => source.close(),
  };
}

/** Where `id` is in the ascending `ids`, or -1. */
export function indexOf(ids: Uint32Array, id: number): number {
  let lo = 0;
  let hi = ids.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = ids[mid]!;
    if (v === id) return mid;
    if (v < id) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}
