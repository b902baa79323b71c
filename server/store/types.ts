import type { TileSize } from '../../shared/httpApi.ts';
import type { Change, Tint } from '../../shared/mosaic/types.ts';
import type { ImageColumns, ImageInfo, StartupImage } from './startupImage.ts';

/** A tile as stored. `col`/`row` are -1 while it is not placed (pending review). */
export interface TileRow {
  id: number;
  status: 'live' | 'pending';
  col: number;
  row: number;
  tint: Tint;
  event: string | null;
  /** ms since epoch */
  createdAt: number;
  /** sha256 of the delete token, hex; the token itself is never stored. */
  deleteHash: string;
  features: Float32Array;
  rgb: [number, number, number];
  /** Perceptual hash (hex), for duplicate detection. */
  phash: string | null;
  /** The hash of the upload's Idempotency-Key (deleteToken.ts's uploadKeyHash), if it had one. */
  keyHash?: string | null;
}

/**
 * A tile as load() gives it: everything but the delete hash, which is only needed when a
 * delete is asked for (readDeleteHash) and so stays off the heap.
 */
export type LoadedTile = Omit<TileRow, 'deleteHash'>;

/** The mosaic's geometry and its last change number. */
export interface MosaicMeta {
  cols: number;
  rows: number;
  seq: number;
  /** Drawn once when the mosaic starts, kept for its life: tells its seq numbers from another's. */
  epoch?: number;
}

/** One atomic step of the mosaic, written in a single transaction. */
export interface Commit {
  insert?: TileRow;
  /** Ids whose rows go (their files are deleted by the caller after the commit). */
  remove?: number[];
  /** Ids whose rows go back to review: status 'pending', off the grid (after `changes`). */
  pend?: number[];
  /** Placement changes to apply to the rows (placed, moved, removed, grown). */
  changes: readonly Change[];
  meta: MosaicMeta;
}

/**
 * Durable tiles: rows plus image files. The SQLite store writes files atomically
 * (temp, fsync, rename) and commits rows in WAL mode, fsync'd by `durable()`; the
 * memory store is its twin for unit tests.
 */
export interface TileStore {
  /** The stored mosaic, or meta=null for a new one. */
  load(): { meta: MosaicMeta | null; tiles: LoadedTile[] };
  /**
   * The same as load(), with the tiles read one at a time as they are iterated: a million
   * rows never exist as objects all at once (start-up reads the store this way).
   */
  scan(layoutKey?: string | null): {
    meta: MosaicMeta | null;
    tiles: Iterable<LoadedTile>;
    image?: StartupImage;
  };
  /**
   * Keeps a copy of every stored row, less its delete hash, for the next start-up to read at
   * once as columns (the SQLite store's start-up image, given by scan() as `image` while it
   * copies the stored state exactly). `cols` must be the whole stored state, with no commit in
   * between (the store fills in the features); `info.layoutKey` names what the tints were
   * computed with. False when not kept.
   */
  saveStartupImage?(cols: ImageColumns, info: Omit<ImageInfo, 'meta'>): boolean;
  /** A fresh id, never used before (ids of deleted tiles are not reused). */
  reserveId(): number;
  /**
   * Writes every size of a tile durably before the row is committed, and the 32 px tile as
   * raw RGB where given.
   */
  putFiles(id: number, files: ReadonlyMap<TileSize, Buffer>, rgb32?: Buffer): Promise<void>;
  readFile(id: number, size: TileSize): Promise<Buffer | null>;
  /** The 32 px tile as raw RGB (32 x 32 x 3 bytes), or null where it was not stored. */
  readRgb32(id: number): Promise<Buffer | null>;
  /** A stored tile's colour features (kept off the heap for live tiles), or null when unknown. */
  readFeatures(id: number): Float32Array | null;
  /** A stored tile's delete hash, or null when unknown. */
  readDeleteHash(id: number): string | null;
  /** The tile stored by the upload whose Idempotency-Key hashes to `keyHash`, or null. */
  tileOfKey(keyHash: string): number | null;
  deleteFiles(id: number): Promise<void>;
  /**
   * Applies one commit atomically. Synchronous, and visible to every read when it returns;
   * durable once a later `durable()` resolves. Throws 503 STORAGE_FAILED, committing nothing,
   * once the disk failed to keep an earlier commit.
   */
  commit(c: Commit): void;
  /**
   * Resolves once every commit made before the call is on disk (the SQLite store fsyncs its WAL
   * off the event loop; commits waiting at once share one fsync). Rejects with 503
   * STORAGE_FAILED when the disk fails; from then on the store commits nothing more.
   */
  durable(): Promise<void>;
  /**
   * 503 STORAGE_FAILED once the disk failed to keep a commit, else null. From then on the store
   * commits nothing more, and a row committed since the last good fsync may be lost at restart:
   * nothing read from it can be promised to a contributor as kept.
   */
  refusal(): Error | null;
  /**
   * Removes files without a committed row (left by a crash between putFiles and commit, or
   * between a delete's commit and its files' removal). `whileServing`: uploads may be storing
   * files meanwhile, so the files of ids not handed out before the call are left alone.
   * `known` tells the stored ids when the caller holds them (else the store reads them).
   */
  sweepOrphans(opts?: { whileServing?: boolean; known?: (id: number) => boolean }): Promise<number>;
  close(): void;
}
