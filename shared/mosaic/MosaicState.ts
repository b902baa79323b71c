/**
 * The engine's mutable state for one grid: the cell index, which tile sits where,
 * and the cost of a tile in a cell. Placement strategies work on this.
 */
import { CellIndex, type Want } from './CellIndex.ts';
import { DIM, encodeAll, type SpaceConfig, sqDist } from './engineSpace.ts';
import type { TileStore } from './TileStore.ts';
import { FEATURE_LEN } from './types.ts';

/** Knobs of the engine that were chosen by measurement; see test/bench/engine.ts. */
export interface EngineTuning {
  /** How features map to the engine's space (colour space, structure weight, quantisation). */
  space: SpaceConfig;
  /** The cost of a tile in a cell is distance^costPower (1: plain distance, 2: squared). */
  costPower: 1 | 2;
  /** Random improving swaps tried per arrival, within the move budget. */
  refineAttempts: number;
  /** Default move budget per arrival when EngineOptions.maxMovesPerArrival is unset. */
  maxMoves: number;
  /** Improvement passes over every tile after a growth re-layout. */
  growPasses: number;
  /** Cells per k-d tree leaf. */
  leafSize: number;
}

/** One grid's placement state; see the file comment. */
export class MosaicState {
  readonly cols: number;
  readonly rows: number;
  readonly index: CellIndex;
  /** Cell -> mean CIELAB (3 floats), for the tint. */
  readonly cellMean: Float32Array;
  /** Cell -> slot of the tile in it, or -1. */
  readonly occ: Int32Array;

  constructor(
    cols: number,
    rows: number,
    cellFeatures: Float32Array,
    readonly tiles: TileStore,
    readonly tuning: EngineTuning,
  ) {
    if (!Number.isInteger(cols) || !Number.isInteger(rows) || cols <= 0 || rows <= 0) {
      throw new RangeError(`bad grid ${cols}x${rows}`);
    }
    const n = cols * rows;
    if (cellFeatures.length !== n * FEATURE_LEN) {
      throw new RangeError(`cellFeatures has ${cellFeatures.length} floats, want ${n * FEATURE_LEN}`);
    }
    this.cols = cols;
    this.rows = rows;
    this.index = new CellIndex(encodeAll(cellFeatures, n, tuning.space), n, tuning.leafSize);
    this.cellMean = new Float32Array(n * 3);
    for (let c = 0; c < n; c++) {
      this.cellMean.set(cellFeatures.subarray(c * FEATURE_LEN, c * FEATURE_LEN + 3), c * 3);
    }
    this.occ = new Int32Array(n).fill(-1);
  }

  /** Number of cells. */
  get cells(): number {
    return this.occ.length;
  }

  /** Cost of tile `slot` in `cell` (see {@link EngineTuning.costPower}). */
  cost(slot: number, cell: number): number {
    const d = sqDist(this.tiles.vec, slot * DIM, this.index.pts, this.index.pos[cell]! * DIM);
    return this.tuning.costPower === 2 ? d : Math.sqrt(d);
  }

  /** Nearest cell for tile `slot` that `want` allows, skipping `skip[0..skipLen)`; -1 if none. */
  nearest(slot: number, want: Want, skip?: Int32Array, skipLen = 0): number {
    return this.index.nearest(this.tiles.vec, slot * DIM, want, skip, skipLen);
  }

  /** Puts an unplaced tile into a free cell. */
  put(slot: number, cell: number): void {
    this.occ[cell] = slot;
    this.tiles.cell[slot] = cell;
    this.index.setFree(cell, false);
  }

  /** Takes a tile out of its cell, freeing the cell; returns the cell. */
  lift(slot: number): number {
    const cell = this.tiles.cell[slot]!;
    this.occ[cell] = -1;
    this.tiles.cell[slot] = -1;
    this.index.setFree(cell, true);
    return cell;
  }

  /** Total cost of every placed tile (for tests and benchmarks). */
  totalCost(): number {
    let s = 0;
    for (let c = 0; c < this.occ.length; c++) {
      const slot = this.occ[c]!;
      if (slot >= 0) s += this.cost(slot, c);
    }
    return s;
  }

  /** Approximate bytes held by this grid's state (excluding the tiles). */
  bytes(): number {
    return this.index.bytes() + this.cellMean.byteLength + this.occ.byteLength;
  }
}
