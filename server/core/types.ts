import type { Target } from '../ingest/target.ts';
import type { TileStore } from '../store/types.ts';
import type { TileRecord } from './TileBook.ts';

export interface ServiceOptions {
  store: TileStore;
  target: Target;
  cols: number;
  rows: number;
  tint: number;
  seed: number;
  moderation: 'post' | 'pre';
  clock?: () => number;
}

/** A rectangle of cells, for an area takedown. */
export interface CellRegion {
  col: number;
  row: number;
  cols: number;
  rows: number;
}

/** What an admin takedown removes: every tile of a rally, or every live tile in a region. */
export type TakedownSelector = { event: string } | { region: CellRegion };

/** A stored tile appeared, or tiles were deleted for good; told after the commit. */
export type TileLifecycle =
  | { type: 'stored'; tile: TileRecord }
  | { type: 'deleted'; ids: readonly number[] };

export interface AddedTile {
  id: number;
  status: 'live' | 'pending';
  col: number;
  row: number;
  seq: number;
  deleteToken: string;
}
