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
import type { Change, Features, GrownChange, Placement, RemovedChange } from './types.ts';

/** The tuning chosen by measurement (test/bench/engine.ts prints the comparison). */
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
  // Large grids: measured on 1M placements into the project target at 1000x1000 (42k
  // classes), engine cost per tile (lower is better) and CPU-time rate on the shared
  // 2-core machine: no moves 69.98 at ~150k/s; these budgets 69.21 at ~90k/s; the
  // small-grid budgets with list evictions 69.12 at ~55k/s; the tree-only engine before
  // the lists 68.83 at ~15-20k/s. Eviction lists of 16 or 8 instead of 32: 69.56 / 69.77.
  // Later, engines side by side in one process (CPU time relative to 3 pops and open
  // lists of 32, 69.214): 2 pops, i.e. at most one eviction, the worst tile of the best
  // full class, 69.223 at 0.93; open lists of 24, 69.213 at 0.95; both 69.226 at 0.92;
  // open lists of 64 / 128, 69.181 / 69.168 at 1.05 / 1.18; no moves 69.979 at 0.65.
  // Then tree leaves of 16 or 32 classes instead of 8: 69.229 / 69.226 (vs 69.226) at 0.95.
  largeClasses: 16_384,
  largeSearchPops: 2,
  largeMembersPerClass: 2,
  largeOpenCandidates: 24,
  largeLeafSize: 16,
  // Open lists over voxels of 16 steps instead of 8 (the near lists stay at 8): far fewer
  // stale rebuilds, each list serving 8x the tiles. Side by side, 1M placements: 69.220
  // (vs 69.229) at ~182k/s (vs ~123-148k/s); 32 steps: 69.878. Near lists over 16 steps
  // instead: 69.567.
  largeOpenVoxelShift: 4,
  // A slack of 15 cost units instead of 1 (the typical cost of a tile is ~69): the search
  // stops sooner and its eviction queries have tighter bounds. Side by side, 1M placements:
  // 69.197 (vs 69.224) at 0.91-0.99 of the time of slack 10, itself 0.89-0.91 of slack 1;
  // 20: 69.231 at ~0.93 of 10's time; 40: 69.420.
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
    for (const p of opts.placements) {
      if (e.tiles.slotOf(p.id) >= 0) throw new Error(`tile ${p.id} stored twice`);
      if (!(p.col >= 0 && p.col < e.cols && p.row >= 0 && p.row < e.rows)) {
        throw new RangeError(`tile ${p.id} at ${p.col},${p.row} is outside ${e.cols}x${e.rows}`);
      }
      const cell = p.row * e.cols + p.col;
      if (e.st.occupant(cell) >= 0) throw new Error(`cell ${p.col},${p.row} stored twice`);
      e.st.put(e.tiles.add(p.id, p.features, e.st.tuning.space), cell);
    }
    return e;
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
