/**
 * The engine's mutable state for one grid: the cell index, which tile sits where,
 * each class's worst-placed tile, and the cost of a tile in a cell class.
 */
import { AugmentSearch } from './augment.ts';
import { CellIndex } from './CellIndex.ts';
import { CELL_OCC, CELL_RGB, CELL_STRIDE } from './cellClasses.ts';
import { labToSrgb } from './colour.ts';
import { DIM, encodeAll, type SpaceConfig, sqDist } from './engineSpace.ts';
import { MemberHeaps } from './MemberHeaps.ts';
import type { TileSlots } from './TileSlots.ts';
import { FEATURE_LEN } from './types.ts';

/** Knobs of the engine that were chosen by measurement; see test/bench/engine.ts. */
export interface EngineTuning {
  /** How features map to the engine's space (colour space, structure weight, quantisation). */
  space: SpaceConfig;
  /** The cost of a tile in a cell is distance^costPower (1: plain distance, 2: squared). */
  costPower: 1 | 2;
  /** Cell classes popped per augmenting-path search before it settles (its cost bound). */
  searchPops: number;
  /** Index queries per augmenting-path search before it settles for the best path found. */
  searchQueries: number;
  /** Tiles of a reached full class the search may try evicting, worst placed first. */
  membersPerClass: number;
  /** Slack of the augmenting-path search in cost units: larger stops sooner (0: exact). */
  epsilon: number;
  /** Leaves a single index query may visit (Infinity: exact). */
  leafBudget: number;
  /** Default move budget per arrival when EngineOptions.maxMovesPerArrival is unset. */
  maxMoves: number;
  /** Move budget per tile during a growth re-layout. */
  growMaxMoves: number;
  /** Cell classes popped per tile during a growth re-layout (0: each takes its nearest open class). */
  growPops: number;
  /** Cell classes per k-d tree leaf. */
  leafSize: number;
  /** Length of the per-voxel candidate lists queries scan before the tree (0: tree only). */
  candidates: number;
  /** Length of the per-voxel lists of open classes (default: {@link candidates}). */
  openCandidates?: number;
  /** Voxels of the candidate lists are 2^voxelShift quantisation steps a side. */
  voxelShift: number;
  /**
   * From this many cell classes up, a grid is large: the search takes its eviction
   * candidates from the voxel lists instead of the tree, with the budgets below.
   */
  largeClasses: number;
  /** {@link searchPops} on a large grid. */
  largeSearchPops: number;
  /** {@link membersPerClass} on a large grid. */
  largeMembersPerClass: number;
  /** {@link openCandidates} on a large grid (default: openCandidates). */
  largeOpenCandidates?: number;
  /** {@link leafSize} on a large grid (default: leafSize). */
  largeLeafSize?: number;
  /** {@link epsilon} on a large grid (default: epsilon). */
  largeEpsilon?: number;
  /** Open lists' voxels on a large grid are 2^largeOpenVoxelShift steps a side (default: voxelShift). */
  largeOpenVoxelShift?: number;
}

/** One grid's placement state; see the file comment. */
export class MosaicState {
  readonly cols: number;
  readonly rows: number;
  readonly index: CellIndex;
  /** The cell records (see cellClasses.ts), which hold each cell's occupant. */
  private readonly rec: Int32Array;
  /** The cell records as float32: cell c's mean colour in sRGB (unrounded 0..255) at c*CELL_STRIDE+CELL_RGB, for the tint. */
  readonly cellRgb: Float32Array;
  /** Per class, its tiles by cost, worst first. */
  readonly members: MemberHeaps;
  /** The augmenting-path search arrivals use. */
  readonly search: AugmentSearch;
  /** Bytes per encoded vector. */
  readonly dim = DIM;
  /** True on a large grid (see {@link EngineTuning.largeClasses}). */
  readonly large: boolean;
  /** The budgets in force for this grid's size. */
  readonly membersPerClass: number;
  /** The search's slack in force for this grid's size (see {@link EngineTuning.epsilon}). */
  readonly epsilon: number;

  constructor(
    cols: number,
    rows: number,
    cellFeatures: Float32Array,
    readonly tiles: TileSlots,
    readonly tuning: EngineTuning,
    rng: () => number,
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
    this.index = new CellIndex(
      encodeAll(cellFeatures, n, tuning.space),
      n,
      (classes) =>
        classes >= tuning.largeClasses ? (tuning.largeLeafSize ?? tuning.leafSize) : tuning.leafSize,
      tuning.candidates,
      tuning.voxelShift,
      tuning.openCandidates ?? tuning.candidates,
    );
    this.rec = this.index.cls.rec;
    this.cellRgb = new Float32Array(this.rec.buffer, this.rec.byteOffset, this.rec.length);
    for (let c = 0; c < n; c++) {
      const o = c * FEATURE_LEN;
      const [r, g, b] = labToSrgb(cellFeatures[o]!, cellFeatures[o + 1]!, cellFeatures[o + 2]!);
      const at = c * CELL_STRIDE;
      this.rec[at + CELL_OCC] = -1;
      this.cellRgb[at + CELL_RGB] = r;
      this.cellRgb[at + CELL_RGB + 1] = g;
      this.cellRgb[at + CELL_RGB + 2] = b;
    }
    // Cells of one class cost the same for every tile; which one a tile gets is random.
    this.index.shuffleMembers(rng);
    this.members = new MemberHeaps(this.index.cls.start);
    this.large = this.index.cls.count >= tuning.largeClasses;
    this.membersPerClass = this.large ? tuning.largeMembersPerClass : tuning.membersPerClass;
    this.epsilon = this.large ? (tuning.largeEpsilon ?? tuning.epsilon) : tuning.epsilon;
    this.index.looseMaxima = this.large;
    if (this.large && tuning.largeOpenCandidates !== undefined) {
      this.index.lists?.setOpenSize(tuning.largeOpenCandidates);
    }
    if (this.large && tuning.largeOpenVoxelShift !== undefined) {
      this.index.lists?.setOpenShift(tuning.largeOpenVoxelShift);
    }
    this.search = new AugmentSearch(this.large ? tuning.largeSearchPops : tuning.searchPops);
  }

  /** Number of cells. */
  get cells(): number {
    return this.cols * this.rows;
  }

  /** The slot of the tile in a cell, or -1. */
  occupant(cell: number): number {
    return this.rec[cell * CELL_STRIDE + CELL_OCC]!;
  }

  /** Cost of tile `slot` in any cell of class `k` (see {@link EngineTuning.costPower}). */
  cost(slot: number, k: number): number {
    const { pts, classPos } = this.index.table;
    return this.costOf(sqDist(this.tiles.vec, slot * DIM, pts, classPos[k]! * DIM));
  }

  /** Cost for a squared distance. */
  costOf(sqDistance: number): number {
    return this.tuning.costPower === 2 ? sqDistance : Math.sqrt(sqDistance);
  }

  /** Puts an unplaced tile into a free cell. */
  put(slot: number, cell: number): void {
    const k = this.index.classOf(cell);
    this.rec[cell * CELL_STRIDE + CELL_OCC] = slot;
    this.tiles.cell[slot] = cell;
    this.index.take(cell);
    this.members.push(k, slot, this.cost(slot, k));
  }

  /** Takes a tile out of its cell, freeing the cell; returns the cell. */
  lift(slot: number): number {
    const cell = this.tiles.cell[slot]!;
    this.rec[cell * CELL_STRIDE + CELL_OCC] = -1;
    this.tiles.cell[slot] = -1;
    this.index.release(cell);
    this.members.remove(this.index.classOf(cell), slot);
    return cell;
  }

  /** Total cost of every placed tile (for tests and benchmarks). */
  totalCost(): number {
    let s = 0;
    for (let c = 0; c < this.cells; c++) {
      const slot = this.occupant(c);
      if (slot >= 0) s += this.cost(slot, this.index.classOf(c));
    }
    return s;
  }

  /** Bytes held by this grid's state (excluding the tiles). */
  bytes(): number {
    return this.index.bytes() + this.members.bytes();
  }
}
