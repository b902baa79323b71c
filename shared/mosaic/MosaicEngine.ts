/**
 * The indexed placement engine: implements {@link PlacementEngine} on top of
 * {@link MosaicState}, turning placements, moves, removals and growth into
 * sequence-numbered changes.
 */

import { CELL_RGB, CELL_STRIDE } from './cellClasses.ts';
import type { EngineOptions, PlacementEngine, RestoreOptions } from './engineApi.ts';
import { DEFAULT_SPACE } from './engineSpace.ts';
import { type EngineTuning, MosaicState } from './MosaicState.ts';
import { relayout } from './relayout.ts';
import { TileSlots } from './TileSlots.ts';
import { tintFromSrgb } from './tint.ts';
import {
  type Change,
  FEATURE_LEN,
  type Features,
  type GrownChange,
  type Placement,
  type RemovedChange,
} from './types.ts';

/**
 * The tuning chosen by measurement (test/bench/engine.ts prints the comparison). Small grids
 * get a generous search budget per arrival (within 2.3% of the offline optimum's ΔE00 in the
 * quality bench). Large grids (from `largeClasses` classes up) are where a million tiles
 * arrive, so their budgets give up a little quality for speed. Measured on 1M placements into
 * the project target at 1000x1000 (42k classes): cost per tile, lower is better (a tile costs
 * about 69), and time over the first other value's. Moves earn their time: with none a tile
 * costs 69.979 in 0.65 of the time. How each figure was reached: docs/ENGINE.md.
 *
 * | knob (large grids)  | kept | cost per tile: kept; others                 | time, over the first other |
 * |---------------------|------|---------------------------------------------|----------------------------|
 * | largeSearchPops     | 2    | 69.223; 3: 69.214                           | 0.93                       |
 * | largeOpenCandidates | 24   | 69.213; 32: 69.214, 64: 69.181, 128: 69.168 | 0.95; 64: 1.05, 128: 1.18  |
 * | largeLeafSize       | 16   | 69.229; 8: 69.226, 32: 69.226               | 0.95                       |
 * | largeOpenVoxelShift | 4    | 69.220; 3: 69.229, 5: 69.878                | 0.68-0.81                  |
 * | largeEpsilon        | 15   | 69.197; 10: 69.224, 20: 69.231, 40: 69.420  | 0.91-0.99                  |
 * | candidates          | 32   | 69.21; 16: 69.56, 8: 69.77                  | -                          |
 * | voxelShift          | 3    | 69.229; 4 (near lists): 69.567              | -                          |
 */
export const DEFAULT_TUNING: Readonly<EngineTuning> = Object.freeze({
  space: DEFAULT_SPACE,
  costPower: 1,
  searchPops: 32,
  searchQueries: Number.POSITIVE_INFINITY,
  membersPerClass: 8,
  epsilon: 1,
  leafBudget: 8,
  maxMoves: 16,
  growMaxMoves: 4,
  growPops: 0,
  leafSize: 8,
  candidates: 32,
  voxelShift: 3,
  largeClasses: 16_384,
  largeSearchPops: 2,
  largeMembersPerClass: 2,
  largeOpenCandidates: 24,
  largeLeafSize: 16,
  largeOpenVoxelShift: 4,
  largeEpsilon: 15,
});

/** The indexed engine; see the file comment. Build it with createEngine / restoreEngine. */
export class MosaicEngine implements PlacementEngine {
  private st: MosaicState;
  private readonly tiles: TileSlots;
  private readonly tint: number;
  private readonly rng: () => number;
  private readonly maxMoves: number;
  private lastSeq: number;
  // The tiles the current place() moved, each with the cell it left (first move only).
  private movedSlot = new Int32Array(16);
  private movedFrom = new Int32Array(16);
  private movedCount = 0;
  private readonly onMoved = (s: number, from: number): void => {
    for (let i = 0; i < this.movedCount; i++) if (this.movedSlot[i] === s) return;
    if (this.movedCount === this.movedSlot.length) {
      const grow = (a: Int32Array) => {
        const b = new Int32Array(a.length * 2);
        b.set(a);
        return b;
      };
      this.movedSlot = grow(this.movedSlot);
      this.movedFrom = grow(this.movedFrom);
    }
    this.movedSlot[this.movedCount] = s;
    this.movedFrom[this.movedCount++] = from;
  };

  constructor(opts: EngineOptions, tuning: Partial<EngineTuning> = {}) {
    const t: EngineTuning = { ...DEFAULT_TUNING, ...tuning };
    // Room for a full grid at once: no regrowth (copies) while it fills.
    this.tiles = new TileSlots(Math.max(1024, opts.cols * opts.rows || 0));
    this.st = new MosaicState(opts.cols, opts.rows, opts.cellFeatures, this.tiles, t, opts.rng);
    this.tint = opts.tint;
    this.rng = opts.rng;
    this.maxMoves = Math.max(0, Math.floor(opts.maxMovesPerArrival ?? t.maxMoves));
    this.lastSeq = opts.seq ?? 0;
  }

  /** Rebuilds the engine from stored placements, each exactly where it was stored. */
  static restore(opts: RestoreOptions, tuning: Partial<EngineTuning> = {}): MosaicEngine {
    const e = new MosaicEngine(opts, tuning);
    const p = opts.placements;
    if (Array.isArray(p)) for (const x of p) e.restoreOne(x.id, x.col, x.row, x.features, 0);
    else for (const i of p.take) e.restoreOne(p.ids[i]!, p.col[i]!, p.row[i]!, p.features, i * FEATURE_LEN);
    return e;
  }

  private restoreOne(id: number, col: number, row: number, features: Features, offset: number): void {
    if (this.tiles.slotOf(id) >= 0) throw new Error(`tile ${id} stored twice`);
    if (!(col >= 0 && col < this.cols && row >= 0 && row < this.rows)) {
      throw new RangeError(`tile ${id} at ${col},${row} is outside ${this.cols}x${this.rows}`);
    }
    const cell = row * this.cols + col;
    if (this.st.occupant(cell) >= 0) throw new Error(`cell ${col},${row} stored twice`);
    this.st.put(this.tiles.add(id, features, this.st.tuning.space, offset), cell);
  }

  /** Columns of the current grid. */
  get cols(): number {
    return this.st.cols;
  }
  /** Rows of the current grid. */
  get rows(): number {
    return this.st.rows;
  }
  /** Sequence number of the last change produced. */
  get seq(): number {
    return this.lastSeq;
  }
  /** Number of placed tiles. */
  get size(): number {
    return this.tiles.size;
  }

  /** True when no cell is free; grow() before the next place(). */
  isFull(): boolean {
    return this.tiles.size >= this.st.cells;
  }

  /** Places a new tile by an augmenting-path search; its `placed` change comes first, then any `moved`. */
  place(id: number, features: Features): Change[] {
    if (this.tiles.slotOf(id) >= 0) throw new Error(`tile ${id} is already placed`);
    if (this.isFull()) throw new Error('the mosaic is full: grow() first');
    const slot = this.tiles.add(id, features, this.st.tuning.space);
    this.movedCount = 0;
    this.st.search.run(this.st, slot, this.maxMoves, this.onMoved);
    const changes: Change[] = [this.change('placed', slot)];
    for (let i = 0; i < this.movedCount; i++) {
      const s = this.movedSlot[i]!;
      if (s === slot || this.tiles.cell[s] === this.movedFrom[i]) continue;
      changes.push(this.change('moved', s));
    }
    return changes;
  }

  /** Removes a tile and frees its cell; null when the id is unknown. */
  remove(id: number): RemovedChange | null {
    const slot = this.tiles.slotOf(id);
    if (slot < 0) return null;
    const cell = this.st.lift(slot);
    // A class with a free cell is priced at zero, as the rectangular Hungarian method keeps it.
    this.st.index.setPotential(this.st.index.classOf(cell), 0);
    this.tiles.release(slot);
    return {
      type: 'removed',
      seq: ++this.lastSeq,
      id,
      col: cell % this.cols,
      row: Math.floor(cell / this.cols),
    };
  }

  /** Re-lays every tile out on a new grid in one batch; see relayout.ts. */
  grow(cols: number, rows: number, cellFeatures: Float32Array): GrownChange {
    if (cols * rows < this.tiles.size)
      throw new RangeError(`${cols}x${rows} cannot hold ${this.tiles.size} tiles`);
    const next = new MosaicState(cols, rows, cellFeatures, this.tiles, this.st.tuning, this.rng);
    this.tiles.cell.fill(-1);
    this.tiles.bestOpen.fill(-1);
    this.st = next;
    relayout(next, this.rng);
    return { type: 'grown', seq: ++this.lastSeq, cols, rows, placements: this.placements() };
  }

  /** Where a tile sits now, with its tint. */
  get(id: number): Placement | undefined {
    const slot = this.tiles.slotOf(id);
    return slot < 0 ? undefined : this.placementOf(slot);
  }

  /** Every placement, in slot order. */
  placements(): Placement[] {
    const out: Placement[] = [];
    for (let s = 0; s < this.tiles.top; s++) if (this.tiles.ids[s] !== 0) out.push(this.placementOf(s));
    return out;
  }

  /** Sum of every placed tile's cost in the engine's space (lower is better). */
  totalCost(): number {
    return this.st.totalCost();
  }

  /** Approximate bytes of engine state (typed arrays plus an estimate for the id map). */
  bytes(): number {
    return this.st.bytes() + this.tiles.bytes();
  }

  /** A placed or moved change for the tile in `slot`, with the next sequence number. */
  private change(type: 'placed' | 'moved', slot: number): Change {
    const cell = this.tiles.cell[slot]!;
    return {
      type,
      seq: ++this.lastSeq,
      id: this.tiles.ids[slot]!,
      col: cell % this.st.cols,
      row: Math.floor(cell / this.st.cols),
      tint: tintFromSrgb(this.tiles.rgb, slot * 3, this.st.cellRgb, cell * CELL_STRIDE + CELL_RGB, this.tint),
    };
  }

  private placementOf(slot: number): Placement {
    const cell = this.tiles.cell[slot]!;
    return {
      id: this.tiles.ids[slot]!,
      col: cell % this.st.cols,
      row: Math.floor(cell / this.st.cols),
      tint: tintFromSrgb(this.tiles.rgb, slot * 3, this.st.cellRgb, cell * CELL_STRIDE + CELL_RGB, this.tint),
    };
  }
}
