import type { Placement } from '../../shared/mosaic/types.ts';
import type { FrameCells } from '../../shared/protocol.ts';
import type { LogChange } from '../core/logChange.ts';

/** What the live layer needs to know about a placed tile beyond its placement. */
export interface LiveTileInfo {
  /** The untinted tile's mean sRGB colour, for the far-out level of detail. */
  rgb: [number, number, number];
  /** The rally code it was sent with, or null. */
  event: string | null;
}

/** A placed tile with everything a viewer draws. */
export interface LiveTile extends Placement, LiveTileInfo {}

/** The mosaic as it stands, consistent with `seq`. */
export interface LiveSnapshot {
  cols: number;
  rows: number;
  seq: number;
  tiles: LiveTile[];
}

/**
 * The server core, as the realtime layer sees it. Changes are published only
 * after they are durable, in sequence order, each batch synchronously after
 * the core's state (snapshot()) already reflects it. A placed change carries the tile's
 * colour and rally, so the live layer never asks the core about a tile.
 */
export interface LiveSource {
  /**
   * Identifies this mosaic's run of sequence numbers: it changes when a mosaic starts
   * afresh (a new data folder), so a client's old `since` is not taken for a new one's.
   */
  readonly epoch: number;
  snapshot(): LiveSnapshot;
  /**
   * Optional: the same snapshot as cell-major arrays, with each live tile's rally, so that a
   * big mosaic's copy is made without an object per tile. Used instead of snapshot() when given.
   */
  snapshotCells?(): LiveCells;
  /** Returns an unsubscribe function. */
  subscribe(listener: (changes: readonly LogChange[]) => void): () => void;
  /**
   * Optional: whether a rally code exists. When given, the live layer refuses unknown
   * codes (UNKNOWN_EVENT); when absent, any well-formed code may be followed.
   */
  knownEvent?(code: string): boolean;
}

/** A snapshot as cell-major arrays (see {@link LiveSource.snapshotCells}). */
export interface LiveCells extends FrameCells {
  /** Live tiles. */
  count: number;
  /** Calls `each` with every live tile that has a rally. */
  eachEvent(each: (id: number, event: string) => void): void;
}
