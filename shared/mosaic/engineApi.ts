import type {
  Change,
  Features,
  GrownChange,
  Placement,
  RemovedChange,
  StoredPlacement,
  StoredPlacementColumns,
} from './types.ts';

/** What every placement engine is built from. */
export interface EngineOptions {
  cols: number;
  rows: number;
  /** cols*rows*FEATURE_LEN floats, cell index = row*cols + col. */
  cellFeatures: Float32Array;
  /** MOSAIC_TINT, 0..1. */
  tint: number;
  /** Injected randomness, returns [0, 1). Placement is deterministic for a given rng. */
  rng: () => number;
  /** The sequence number of the last change already applied (0 for a new mosaic). */
  seq?: number;
  /** Upper bound on improving moves per arrival (default chosen by the engine). */
  maxMovesPerArrival?: number;
}

/**
 * The online placement engine: pure, synchronous, plain data in and out.
 * Every returned change carries the next sequence number.
 */
export interface PlacementEngine {
  readonly cols: number;
  readonly rows: number;
  /** Sequence number of the last change produced. */
  readonly seq: number;
  /** Number of placed tiles. */
  readonly size: number;
  /** True when no cell is free; the caller must grow() before place(). */
  isFull(): boolean;
  /** Places a new tile; returns its `placed` change followed by any `moved` changes. Throws when full or the id is known. */
  place(id: number, features: Features): Change[];
  /** Removes a tile; null when unknown. */
  remove(id: number): RemovedChange | null;
  /** Re-lays every tile out on a bigger grid (global assignment) and returns one `grown` change. */
  grow(cols: number, rows: number, cellFeatures: Float32Array): GrownChange;
  /** Where a tile sits now. */
  get(id: number): Placement | undefined;
  /** Every placement, in no particular order. */
  placements(): Placement[];
}

/** What rebuilds an engine from the store at start-up, without reshuffling. */
export interface RestoreOptions extends EngineOptions {
  placements: StoredPlacement[] | StoredPlacementColumns;
}
