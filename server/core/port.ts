import type { Takedown } from '../../shared/adminApi.ts';
import type { TileSize } from '../../shared/httpApi.ts';
import type { Placement } from '../../shared/mosaic/types.ts';
import type { IngestedPhoto } from '../ingest/pipeline.ts';
import type { LiveSource } from '../realtime/source.ts';
import type { ChangedCells, TileBook, TileRecord } from './TileBook.ts';
import type { AddedTile, AddMeta, TileLifecycle } from './types.ts';

/** The tiles waiting for review, as the console's queue and live numbers see them. */
export interface PendingQueue {
  length: number;
  /** The oldest waiting tile's time (ms since the epoch), or null when none waits. */
  oldestCreatedAt: number | null;
  /** `queueMark` of the waiting ids (shared/rallies.ts). */
  mark: number;
  /** The `limit` oldest waiting tiles (by id), oldest first. */
  tiles: TileRecord[];
}

/**
 * The mosaic as the HTTP routes and the safety features use it, on any kind of node: the
 * embedded single process (MosaicService) or a cluster node (ClusterMosaic), which reads
 * from its live copy and sends every mutation to the placer. Reads of live tiles are
 * synchronous (memory); whatever may need the database is a promise.
 */
export interface MosaicPort {
  readonly cols: number;
  readonly rows: number;
  readonly seq: number;
  readonly tileCount: number;
  readonly moderation: 'post' | 'pre';
  /** The live layer's view of the same mosaic. */
  readonly live: LiveSource;

  /**
   * Stores a processed photo and places it (or queues it for review). `moderation` is its
   * rally's own mode; absent or null, the server's.
   */
  add(photo: IngestedPhoto, meta: AddMeta): Promise<AddedTile>;
  /**
   * The tile an upload with this Idempotency-Key stored, answered as its `add` was (the
   * delete token is derived from the key), or null when there is none, or none that this node
   * shows yet (the caller then goes on as for a new upload).
   */
  tileOfKey(key: string): Promise<AddedTile | null>;
  /**
   * Takes out the tile an upload with this Idempotency-Key stored, in any state (a cluster
   * withdraws one still waiting for a placer at once, unplaced); false when there is none.
   */
  removeByKey(key: string): Promise<boolean>;
  /**
   * The tile an import of the file with this SHA-256 stored (live, waiting for review or for a
   * placer), or null: the truth when the import's ledger lost track of it.
   */
  tileOfImport(fileHash: string): Promise<number | null>;
  /**
   * When a stored tile was stored (ms since the epoch, this server's clock) and whether it waits
   * for review, in any state (live, waiting for review or for a placer); null when there is none.
   */
  storedAt(id: number): Promise<{ createdAt: number; pending: boolean } | null>;
  /** A live tile (the embedded store also answers for pending ones). */
  get(id: number): TileRecord | undefined;
  /** Any stored tile, live or waiting for review. */
  find(id: number): Promise<TileRecord | undefined>;
  /** The review queue as one read: its length, oldest time and mark, and its `limit` oldest tiles. */
  pending(limit: number): Promise<PendingQueue>;
  canDelete(id: number, token: string): Promise<boolean>;
  remove(id: number): Promise<boolean>;
  reject(ids: readonly number[]): Promise<number[]>;
  approve(ids: readonly number[]): Promise<number[]>;
  hide(id: number): Promise<boolean>;
  removeWhere(sel: Takedown): Promise<number[]>;
  readFile(id: number, size: TileSize): Promise<Buffer | null>;
  /** The 32 px tile as raw RGB, or null where it is not kept (then decode its 32 px WebP). */
  readRgb32(id: number): Promise<Buffer | null>;
  placements(): Placement[];
  liveIn(...block: Parameters<TileBook['liveIn']>): ReturnType<TileBook['liveIn']>;
  /** Every tile this node holds in memory. */
  all(): IterableIterator<TileRecord>;
  subscribeCells(listener: (cells: ChangedCells) => void): () => void;
  subscribeTiles(listener: (e: TileLifecycle) => void): () => void;
}
