import type pg from 'pg';
import type { Takedown } from '../../shared/adminApi.ts';
import type { TileSize } from '../../shared/httpApi.ts';
import type { Placement } from '../../shared/mosaic/types.ts';
import {
  importKeyHash,
  keyedDeleteToken,
  newDeleteToken,
  storedKeyHash,
  tokenMatches,
  uploadKeyHash,
} from '../core/deleteToken.ts';
import { FileCache } from '../core/FileCache.ts';
import { Listeners } from '../core/listeners.ts';
import type { MosaicPort, PendingQueue } from '../core/port.ts';
import type { ChangedCells, TileBook, TileRecord } from '../core/TileBook.ts';
import { type AddedTile, type AddMeta, keyedAnswer, storedAs, type TileLifecycle } from '../core/types.ts';
import { AppError } from '../errors.ts';
import { type IngestedPhoto, readTileSize } from '../ingest/pipeline.ts';
import type { LiveCopy } from './LiveCopy.ts';
import {
  pendingQueue,
  pendingTile,
  queuedPlaceRequest,
  readDeleteHash,
  storedAt,
  tileOfKeyHash,
  withdrawQueued,
} from './pgData.ts';
import { fromStore } from './pgErrors.ts';
import type { RequestKind, RequestOutcome, RequestQueue } from './RequestQueue.ts';
import type { TileImages } from './TileImages.ts';

/**
 * The mosaic as a cluster node's routes see it: reads from the node's live copy (and the
 * database for what is not live), mutations as requests to the placer, which answers once
 * they are committed to the log. Uploads are stored here, on the node that ingested them.
 */
export class ClusterMosaic implements MosaicPort {
  private readonly lifecycle = new Listeners<TileLifecycle>('tile');
  private readonly files: FileCache;

  constructor(
    private readonly pool: pg.Pool,
    private readonly copy: LiveCopy,
    private readonly queue: RequestQueue,
    private readonly images: TileImages,
    readonly moderation: 'post' | 'pre',
    private readonly clock: () => number = Date.now,
  ) {
    this.files = new FileCache(64 * 1024 * 1024);
    // A tile that leaves the mosaic leaves this node's memory too (a hidden one is read again if approved).
    copy.subscribe((changes) => {
      for (const c of changes) if (c.type === 'removed') this.files.drop(c.id);
    });
  }

  get live(): LiveCopy {
    return this.copy;
  }
  get cols() {
    return this.copy.cols;
  }
  get rows() {
    return this.copy.rows;
  }
  get seq() {
    return this.copy.seq;
  }
  get tileCount() {
    return this.copy.tileCount;
  }

  /**
   * Stores the tile (row, files and the placer's request in one transaction), then waits for
   * the placer's answer. No placer within the wait: 503 PLACER_UNAVAILABLE, and the stored
   * tile is placed by the next placer (a retry with the same Idempotency-Key finds it).
   */
  async add(photo: IngestedPhoto, meta: AddMeta): Promise<AddedTile> {
    const { token, hash } = meta.key ? keyedDeleteToken(meta.key) : newDeleteToken();
    const [r, g, b] = photo.rgb;
    const { id, request } = await fromStore(
      this.images.storeUpload(
        {
          event: meta.event,
          createdAt: this.clock(),
          deleteHash: hash,
          features: photo.features,
          rgb: (r << 16) | (g << 8) | b,
          phash: meta.phash,
          moderation: meta.moderation ?? null,
          keyHash: storedKeyHash(meta),
        },
        photo.files,
        photo.rgb32,
      ),
    );
    return this.placed(id, request, token);
  }

  /**
   * Waits for the placer's answer to the stored tile's request, then for this node's viewers.
   * No placer within the wait: 503 PLACER_UNAVAILABLE, and the next placer places the tile.
   */
  private async placed(id: number, request: number, token: string): Promise<AddedTile> {
    let outcome: RequestOutcome;
    try {
      outcome = await this.queue.await(request, false);
    } catch (e) {
      // No placer in time: the tile stays stored and the next placer places it.
      throw storedAs(e, id);
    }
    const data = answer(outcome);
    if (data.status === 'pending')
      return { id, status: 'pending', col: -1, row: -1, seq: data.seq as number, deleteToken: token };
    // Answer once this node's own viewers can see it too.
    await this.copy.reached(data.seq as number, 3000);
    return {
      id,
      status: 'live',
      col: data.col as number,
      row: data.row as number,
      seq: data.seq as number,
      deleteToken: token,
    };
  }

  /**
   * From the database. A tile still queued for the placer (its first try answered 503
   * PLACER_UNAVAILABLE) is waited for as that try waited, never stored again; a live one this
   * node's copy has not reached yet counts as none.
   */
  async tileOfKey(key: string): Promise<AddedTile | null> {
    const found = await this.storedByKey(key);
    const { token } = keyedDeleteToken(key);
    if (found?.status === 'queued') {
      const request = await fromStore(queuedPlaceRequest(this.pool, found.id));
      // None: a placer took it a moment ago, and the upload path answers from its reply.
      if (request !== null) return this.placed(found.id, request, token);
    }
    if (found?.status === 'pending')
      return keyedAnswer({ id: found.id, status: 'pending', col: -1, row: -1 }, this.seq, token);
    const t = found?.status === 'live' ? this.copy.get(found.id) : undefined;
    return t ? keyedAnswer(t, this.seq, token) : null;
  }

  async removeByKey(key: string): Promise<boolean> {
    const found = await this.storedByKey(key);
    if (!found) return false;
    // Still waiting for a placer: withdrawn at once, so that it is never shown.
    const withdrawn = found.status === 'queued' && (await fromStore(withdrawQueued(this.pool, found.id)));
    return withdrawn || this.remove(found.id);
  }

  async tileOfImport(fileHash: string): Promise<number | null> {
    return (await this.storedByKeyHash(importKeyHash(fileHash)))?.id ?? null;
  }

  async storedAt(id: number): Promise<{ createdAt: number; pending: boolean } | null> {
    return fromStore(storedAt(this.pool, id));
  }

  /** The tile an upload with this Idempotency-Key stored, and its status, from the database. */
  private storedByKey(key: string): Promise<{ id: number; status: string } | null> {
    return this.storedByKeyHash(uploadKeyHash(key));
  }

  private storedByKeyHash(keyHash: string): Promise<{ id: number; status: string } | null> {
    return fromStore(tileOfKeyHash(this.pool, keyHash));
  }

  get(id: number): TileRecord | undefined {
    return this.copy.get(id);
  }

  async find(id: number): Promise<TileRecord | undefined> {
    const live = this.copy.get(id);
    if (live) return live;
    return fromStore(pendingTile(this.pool, id));
  }

  async pending(limit: number): Promise<PendingQueue> {
    return fromStore(pendingQueue(this.pool, limit));
  }

  async canDelete(id: number, token: string): Promise<boolean> {
    const hash = await fromStore(readDeleteHash(this.pool, id));
    return !!hash && tokenMatches(token, hash);
  }

  private async ids(kind: RequestKind, payload: unknown): Promise<number[]> {
    const gone = (answer(await this.queue.submit(kind, payload)).ids as number[]) ?? [];
    if (gone.length && kind !== 'approve' && kind !== 'hide') {
      for (const id of gone) this.files.drop(id);
      this.lifecycle.emit({ type: 'deleted', ids: gone });
    }
    return gone;
  }

  async remove(id: number): Promise<boolean> {
    return (await this.ids('remove', { ids: [id] })).length > 0;
  }
  reject(ids: readonly number[]): Promise<number[]> {
    return this.ids('reject', { ids });
  }
  approve(ids: readonly number[]): Promise<number[]> {
    return this.ids('approve', { ids });
  }
  async hide(id: number): Promise<boolean> {
    return (await this.ids('hide', { id })).length > 0;
  }
  removeWhere(sel: Takedown): Promise<number[]> {
    return this.ids('takedown', sel);
  }

  readRgb32(id: number): Promise<Buffer | null> {
    return this.files.get(`${id}/rgb32`, () => fromStore(this.images.readRgb32(id)));
  }

  /** One size of a tile's file; the 32 px WebP of tiles that keep only its raw pixels is encoded from those, once per cache entry. */
  readFile(id: number, size: TileSize): Promise<Buffer | null> {
    return this.files.get(`${id}/${size}`, () =>
      fromStore(
        readTileSize(
          (i, s) => this.images.read(i, s),
          (i) => this.images.readRgb32(i),
          id,
          size,
        ),
      ),
    );
  }

  placements(): Placement[] {
    return this.copy.placements();
  }
  liveIn(...block: Parameters<TileBook['liveIn']>): ReturnType<TileBook['liveIn']> {
    return this.copy.liveIn(...block);
  }
  all(): IterableIterator<TileRecord> {
    return this.copy.all();
  }
  subscribeCells(listener: (cells: ChangedCells) => void): () => void {
    return this.copy.subscribeCells(listener);
  }
  subscribeTiles(listener: (e: TileLifecycle) => void): () => void {
    return this.lifecycle.add(listener);
  }
}

/** The data of a successful answer; a refusal becomes the HTTP error the placer chose. */
function answer(o: RequestOutcome): Record<string, unknown> {
  if (o.ok) return o.data;
  throw new AppError(o.status, o.code as ConstructorParameters<typeof AppError>[1], o.message);
}
