import type { Target } from '../ingest/target.ts';
import type { TileStore } from '../store/types.ts';
import type { TileRecord } from './TileBook.ts';

/**
 * How much each side of the grid grows when no cell is free, on one process and in a cluster
 * alike (the timelapse reads the first grid back from the first growth with it).
 */
export const GROWTH_FACTOR = 2;

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

/** A stored tile appeared, or tiles were deleted for good; told after the commit. */
export type TileLifecycle =
  | { type: 'stored'; tile: TileRecord }
  | { type: 'deleted'; ids: readonly number[] };

/** What `add` is told besides the photo. */
export interface AddMeta {
  event: string | null;
  phash: string | null;
  /** The rally's own moderation mode; absent or null, the server's. */
  moderation?: 'post' | 'pre' | null;
  /** The upload's Idempotency-Key: its delete token is derived from it and a late retry finds the tile by it. */
  key?: string | null;
  /** An imported file's SHA-256 (the import's ledger key): its tile is found by it as well. */
  importHash?: string | null;
}

export interface AddedTile {
  id: number;
  status: 'live' | 'pending';
  col: number;
  row: number;
  seq: number;
  deleteToken: string;
}

/** The answer to a late retry of a keyed upload: the tile as it stands now, with the key's token. */
export function keyedAnswer(
  t: { id: number; status: 'live' | 'pending'; col: number; row: number },
  seq: number,
  deleteToken: string,
): AddedTile {
  return t.status === 'live'
    ? { id: t.id, status: 'live', col: t.col, row: t.row, seq, deleteToken }
    : { id: t.id, status: 'pending', col: -1, row: -1, seq, deleteToken };
}

const storedTiles = new WeakMap<object, number>();

/**
 * Marks an error thrown by `add` after the tile was durably stored (a cluster's placer did not
 * answer in time; the next placer places it): the caller must not store the photo again.
 */
export function storedAs<E>(error: E, id: number): E {
  if (typeof error === 'object' && error !== null) storedTiles.set(error, id);
  return error;
}

/** The tile an `add` error left stored (see {@link storedAs}), or null. */
export function storedTileOf(error: unknown): number | null {
  return typeof error === 'object' && error !== null ? (storedTiles.get(error) ?? null) : null;
}
