/**
 * Plain data shared by the placement engine, the server and the client.
 * Everything here is pure TypeScript: no I/O, no Node or DOM APIs.
 */

/** Side of the sub-cell grid used by the colour features (3 -> a 3x3 grid). */
export const SUBGRID = 3;

/**
 * Length of one feature vector: mean CIELAB (3 floats) followed by the
 * SUBGRID x SUBGRID sub-cells' CIELAB, row-major (27 floats for 3x3).
 */
export const FEATURE_LEN = 3 + SUBGRID * SUBGRID * 3;

/** One feature vector of FEATURE_LEN floats, see {@link FEATURE_LEN}. */
export type Features = Float32Array;

/**
 * How a tile's colour is shifted toward its cell's target colour: an additive
 * offset per sRGB channel (0..255 scale), already scaled by the tint strength.
 * Rendering and export add it to every pixel of the untinted tile.
 */
export interface Tint {
  r: number;
  g: number;
  b: number;
}

/** Where one tile sits. */
export interface Placement {
  id: number;
  col: number;
  row: number;
  tint: Tint;
}

/** A tile entered the mosaic. */
export interface PlacedChange extends Placement {
  type: 'placed';
  seq: number;
}

/** A placed tile moved to another cell (an improving swap). */
export interface MovedChange extends Placement {
  type: 'moved';
  seq: number;
}

/** A tile left the mosaic; its cell is free again. */
export interface RemovedChange {
  type: 'removed';
  seq: number;
  id: number;
  col: number;
  row: number;
}

/** The grid grew; every tile got a new position in one batch. */
export interface GrownChange {
  type: 'grown';
  seq: number;
  cols: number;
  rows: number;
  placements: Placement[];
}

/** Every change carries the mosaic's next sequence number. */
export type Change = PlacedChange | MovedChange | RemovedChange | GrownChange;

/** A tile as the engine needs it to rebuild its state from the store. */
export interface StoredPlacement {
  id: number;
  col: number;
  row: number;
  features: Features;
}

/**
 * Stored placements as columns, for restoring a big mosaic without an object per tile: entry
 * `take[k]` is tile `ids[i]` at (`col[i]`, `row[i]`), its features at `i * FEATURE_LEN` of `features`.
 */
export interface StoredPlacementColumns {
  take: Int32Array;
  ids: ArrayLike<number>;
  col: ArrayLike<number>;
  row: ArrayLike<number>;
  features: Float32Array;
}
