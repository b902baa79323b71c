import { randomInt } from 'node:crypto';
import type { Takedown } from '../../shared/adminApi.ts';
import type { TileSize } from '../../shared/httpApi.ts';
import { createEngine, mulberry32, type PlacementEngine, restoreEngine } from '../../shared/mosaic/index.ts';
import type { Change, Placement } from '../../shared/mosaic/types.ts';
import { queueMark } from '../../shared/rallies.ts';
import { type IngestedPhoto, readTileSize } from '../ingest/pipeline.ts';
import type { LiveCells, LiveSnapshot, LiveSource } from '../realtime/source.ts';
import type { MosaicMeta, TileRow } from '../store/types.ts';
import {
  importKeyHash,
  keyedDeleteToken,
  newDeleteToken,
  storedKeyHash,
  tokenMatches,
  uploadKeyHash,
} from './deleteToken.ts';
import { FileCache } from './FileCache.ts';
import { Listeners } from './listeners.ts';
import { type LogChange, toLogChanges } from './logChange.ts';
import { Mutex } from './mutex.ts';
import type { MosaicPort, PendingQueue } from './port.ts';
import { fromImage, fromRows, layoutKeyOf } from './startupLoad.ts';
import { type ChangedCells, TileBook, type TileRecord } from './TileBook.ts';
import {
  type AddedTile,
  type AddMeta,
  GROWTH_FACTOR,
  keyedAnswer,
  type ServiceOptions,
  type TileLifecycle,
} from './types.ts';

export type { TileRecord } from './TileBook.ts';
export type { AddedTile, ServiceOptions, TileLifecycle } from './types.ts';

/** From this many stored tiles on, start-up sweeps orphaned files in the background. */
const BACKGROUND_SWEEP_FROM = 100_000;

/**
 * The server core: owns the engine and the in-memory view of the store, serialises
 * every mutation, commits durably, then publishes the changes (in that order).
 */
export class MosaicService implements LiveSource, MosaicPort {
  private readonly tiles: TileBook;
  /** Features of tiles waiting for review (they are not in the engine). */
  private readonly pendingFeatures: Map<number, Float32Array>;
  private readonly changeListeners = new Listeners<readonly LogChange[]>('change');
  private readonly lifecycleListeners = new Listeners<TileLifecycle>('tile');
  private readonly mutex = new Mutex();
  /**
   * The 32 px WebPs encoded from stored raw pixels, for the tiles asked for most lately: every
   * viewer holding a block a tile lands in asks for that tile's 32 px WebP at once.
   */
  private readonly webp32 = new FileCache(4 * 1024 * 1024);
  private readonly clock: () => number;
  /**
   * The mosaic as published: the engine's geometry, seq and size after the last change that is
   * durable and told. The engine runs ahead of it while a commit waits for its fsync.
   */
  private shown: { cols: number; rows: number; seq: number; size: number };

  private constructor(
    private readonly opts: ServiceOptions,
    private engine: PlacementEngine,
    /** See LiveSource.epoch: drawn when the mosaic starts, stored with it. */
    readonly epoch: number,
    book: TileBook,
    pending: Map<number, Float32Array>,
  ) {
    this.clock = opts.clock ?? Date.now;
    this.tiles = book;
    this.pendingFeatures = pending;
    this.shown = MosaicService.shownOf(engine);
  }

  private static shownOf(e: PlacementEngine): MosaicService['shown'] {
    return { cols: e.cols, rows: e.rows, seq: e.seq, size: e.size };
  }

  /** Loads the stored mosaic (or starts a new one) and sweeps orphaned files. */
  static async open(opts: ServiceOptions): Promise<MosaicService> {
    const layoutKey = layoutKeyOf(opts);
    const { meta, tiles, image } = opts.store.scan(layoutKey);
    const geometry: MosaicMeta = {
      ...(meta ?? { cols: opts.cols, rows: opts.rows, seq: 0 }),
      // A mosaic stored before epochs existed gets one now, kept from here on.
      epoch: meta?.epoch ?? randomInt(1, 2 ** 31),
    };
    const cellFeatures = await opts.target.cellFeatures(geometry.cols, geometry.rows);
    const base = {
      cols: geometry.cols,
      rows: geometry.rows,
      cellFeatures,
      tint: opts.tint,
      seq: geometry.seq,
    };
    const book = new TileBook();
    const pending = new Map<number, Float32Array>();
    const live = image ? fromImage(image, book, pending) : fromRows(tiles, book, pending);
    const engine = (Array.isArray(live) ? live.length : live.take.length)
      ? restoreEngine({ ...base, rng: mulberry32(opts.seed + geometry.seq), placements: live })
      : createEngine({ ...base, rng: mulberry32(opts.seed) });
    const svc = new MosaicService(opts, engine, geometry.epoch!, book, pending);
    // Tints follow from the target and the tint strength: rows kept with the same ones need no
    // tint computed again (a million of them take a second); otherwise the engine's are taken.
    if (image && image.layoutKey === layoutKey) book.indexCells(engine.cols, engine.rows);
    else book.reset(engine);
    // A big mosaic's tile folders take seconds to list: it sweeps them while it serves.
    const known = (id: number) => book.has(id);
    if (book.size < BACKGROUND_SWEEP_FROM) await opts.store.sweepOrphans({ known });
    else {
      opts.store
        .sweepOrphans({ whileServing: true, known })
        .catch((e) => console.error('start-up: orphaned tile files could not be swept:', e));
    }
    if (!meta?.epoch) {
      opts.store.commit({ changes: [], meta: geometry });
      await opts.store.durable();
    }
    // A big mosaic read from its rows gets its image soon after it serves, so that the next start,
    // even after a crash, reads the image and replays only what came since.
    if (!image && opts.store.saveStartupImage && book.size >= BACKGROUND_SWEEP_FROM) {
      setTimeout(() => {
        svc
          .saveImage('start-up')
          .catch((e) => console.error('start-up: the start-up image could not be written:', e));
      }, 1000).unref();
    }
    return svc;
  }

  /**
   * Leaves the store a start-up image of what it holds (when the store keeps one), so the next
   * start reads columns instead of every row. A commit after it makes the image unusable.
   */
  close(): Promise<void> {
    return this.saveImage('stop');
  }

  /** Writes the store's start-up image from the book, between two commits. */
  private saveImage(when: string): Promise<void> {
    return this.mutex.run(() => {
      const save = this.opts.store.saveStartupImage;
      if (!save) return;
      const t0 = Date.now();
      const { cols, count, events } = this.tiles.toColumns();
      const kept = save.call(this.opts.store, cols, { count, events, layoutKey: this.layoutKey() });
      if (this.tiles.size >= BACKGROUND_SWEEP_FROM)
        console.log(`${when}: start-up image ${kept ? 'written' : 'not written'} in ${Date.now() - t0} ms`);
    });
  }

  /** What the tints are computed from, besides each tile and its cell: the target and the strength. */
  private layoutKey(): string {
    return layoutKeyOf(this.opts);
  }

  get cols() {
    return this.shown.cols;
  }
  get rows() {
    return this.shown.rows;
  }
  get seq() {
    return this.shown.seq;
  }
  get tileCount() {
    return this.shown.size;
  }
  get moderation() {
    return this.opts.moderation;
  }

  /** The service is its own live source. */
  get live(): LiveSource {
    return this;
  }

  /** Stores a processed photo; places it at once unless moderation is 'pre'. */
  async add(photo: IngestedPhoto, meta: AddMeta): Promise<AddedTile> {
    this.refuseOnceFailed();
    const id = this.opts.store.reserveId();
    const { token, hash } = meta.key ? keyedDeleteToken(meta.key) : newDeleteToken();
    // Files first: a crash before the row commits leaves an orphan that start-up sweeps.
    try {
      await this.opts.store.putFiles(id, photo.files, photo.rgb32);
    } catch (e) {
      // A full disk halfway through: no folder or temp file stays behind.
      await this.opts.store.deleteFiles(id);
      throw e;
    }
    const row: TileRow = {
      id,
      status: (meta.moderation ?? this.opts.moderation) === 'pre' ? 'pending' : 'live',
      col: -1,
      row: -1,
      tint: { r: 0, g: 0, b: 0 },
      event: meta.event,
      createdAt: this.clock(),
      deleteHash: hash,
      features: photo.features,
      rgb: photo.rgb,
      phash: meta.phash,
      keyHash: storedKeyHash(meta),
    };
    try {
      return await this.mutex.run(async () => {
        if (row.status === 'pending') {
          this.opts.store.commit({ insert: row, changes: [], meta: this.meta() });
          await this.whenDurable(() => {
            this.tiles.remember(row);
            this.pendingFeatures.set(id, row.features);
          });
          this.tell({ type: 'stored', tile: this.tiles.get(id)! });
          return { id, status: 'pending' as const, col: -1, row: -1, seq: this.seq, deleteToken: token };
        }
        const changes = await this.placeLocked(row);
        this.tell({ type: 'stored', tile: this.tiles.get(id)! });
        const placed = changes.find((c) => c.type === 'placed' && c.id === id) as Placement & { seq: number };
        return {
          id,
          status: 'live' as const,
          col: placed.col,
          row: placed.row,
          seq: placed.seq,
          deleteToken: token,
        };
      });
    } catch (e) {
      // A row committed before the disk failed to keep it stays, and so do its files.
      if (!this.tiles.has(id)) await this.opts.store.deleteFiles(id);
      throw e;
    }
  }

  async tileOfKey(key: string): Promise<AddedTile | null> {
    // The tile found may be the very one the disk failed to keep: no answer can promise it.
    this.refuseOnceFailed();
    const id = this.opts.store.tileOfKey(uploadKeyHash(key));
    // Not in the book: committed a moment ago and not yet durable, or gone.
    const t = id === null ? undefined : this.tiles.get(id);
    if (!t) return null;
    return keyedAnswer(t, this.seq, keyedDeleteToken(key).token);
  }

  async removeByKey(key: string): Promise<boolean> {
    const id = this.opts.store.tileOfKey(uploadKeyHash(key));
    return id !== null && this.remove(id);
  }

  async tileOfImport(fileHash: string): Promise<number | null> {
    // As for a key: the row found may be the one the disk failed to keep.
    this.refuseOnceFailed();
    const id = this.opts.store.tileOfKey(importKeyHash(fileHash));
    return id !== null && this.tiles.has(id) ? id : null;
  }

  async storedAt(id: number): Promise<{ createdAt: number; pending: boolean } | null> {
    const t = this.tiles.get(id);
    return t ? { createdAt: t.createdAt, pending: t.status === 'pending' } : null;
  }

  /** Places a stored-but-unplaced tile (a new one, or one approved from the queue). Call inside the mutex. */
  private async placeLocked(row: TileRow, insert = true): Promise<Change[]> {
    const changes: Change[] = [];
    await this.growIfFull(changes);
    changes.push(...this.engine.place(row.id, row.features));
    await this.commitOrRebuild({ insert: insert ? row : undefined, changes }, row);
    return changes;
  }

  /** When no cell is free, grows the grid (same target) and adds the `grown` change. Inside the mutex. */
  private async growIfFull(changes: Change[]): Promise<void> {
    if (!this.engine.isFull()) return;
    const cols = this.engine.cols * GROWTH_FACTOR;
    const rows = this.engine.rows * GROWTH_FACTOR;
    changes.push(this.engine.grow(cols, rows, await this.opts.target.cellFeatures(cols, rows)));
  }

  private meta(): MosaicMeta {
    return { cols: this.engine.cols, rows: this.engine.rows, seq: this.engine.seq, epoch: this.epoch };
  }

  /**
   * Commits engine changes, waits until they are durable, then updates memory and publishes:
   * nothing of them is seen before. Inside the mutex, which holds the next change back while the
   * fsync runs off the event loop.
   */
  private async commitOrRebuild(
    c: { insert?: TileRow; remove?: number[]; pend?: number[]; changes: Change[] },
    row?: TileRow,
  ): Promise<void> {
    // Once the disk failed nothing is committed any more: no engine rebuild (the whole store's
    // read) for each refused change.
    this.refuseOnceFailed();
    try {
      this.opts.store.commit({ ...c, meta: this.meta() });
    } catch (e) {
      // The engine moved ahead of the store: rebuild it from what is durable.
      this.engine = this.rebuildEngine();
      throw e;
    }
    await this.whenDurable(() => {
      if (row) this.tiles.remember(row);
      for (const id of c.remove ?? []) this.tiles.delete(id);
      this.tiles.apply(c.changes, this.engine);
      for (const id of c.pend ?? []) this.tiles.pend(id);
      this.shown = MosaicService.shownOf(this.engine);
      if (c.changes.length) this.changeListeners.emit(toLogChanges(c.changes, (id) => this.logInfo(id)));
    });
  }

  /** Throws 503 STORAGE_FAILED once the store refuses commits (its disk failed to keep one). */
  private refuseOnceFailed(): void {
    const refused = this.opts.store.refusal();
    if (refused) throw refused;
  }

  /**
   * Waits for the store to make the last commit durable, then runs `publish`. When the disk
   * fails (503 STORAGE_FAILED), memory still follows the commit, which every read of the store
   * already sees, and the error goes to the caller; the store commits nothing more.
   */
  private async whenDurable(publish: () => void): Promise<void> {
    let failure: unknown = null;
    await this.opts.store.durable().catch((e: unknown) => {
      failure = e;
    });
    publish();
    if (failure) throw failure;
  }

  private rebuildEngine(): PlacementEngine {
    const { meta, tiles } = this.opts.store.load();
    const m = meta ?? this.meta();
    const live = tiles.filter((t) => t.status === 'live' && t.col >= 0);
    return restoreEngine({
      cols: m.cols,
      rows: m.rows,
      seq: m.seq,
      tint: this.opts.tint,
      rng: mulberry32(this.opts.seed + m.seq),
      cellFeatures: this.opts.target.cachedCellFeatures(m.cols, m.rows),
      placements: live.map((t) => ({ id: t.id, col: t.col, row: t.row, features: t.features })),
    });
  }

  /** Called with the cells whose picture changed (null: all of them), after each commit. */
  subscribeCells(listener: (cells: ChangedCells) => void): () => void {
    return this.tiles.changedCells.add(listener);
  }

  /** True when `token` is the tile's delete token. */
  async canDelete(id: number, token: string): Promise<boolean> {
    const t = this.tiles.get(id);
    const hash = t ? this.opts.store.readDeleteHash(id) : null;
    return !!hash && tokenMatches(token, hash);
  }

  /** Removes a tile everywhere: engine, row, files. False when unknown. */
  async remove(id: number): Promise<boolean> {
    return (await this.removeMany(() => [id])).length > 0;
  }

  /**
   * Removes the tiles `select` names (run inside the mutex, so nothing lands in between):
   * one commit for all, then the `removed` changes go out, then the files are deleted.
   * Returns the ids that existed.
   */
  private async removeMany(select: () => Iterable<number>): Promise<number[]> {
    const gone = await this.mutex.run(async () => {
      const ids = [...new Set(select())].filter((id) => this.tiles.has(id));
      if (!ids.length) return ids;
      const changes: Change[] = [];
      for (const id of ids) {
        const change = this.tiles.get(id)!.col >= 0 ? this.engine.remove(id) : null;
        if (change) changes.push(change);
      }
      await this.commitOrRebuild({ remove: ids, changes });
      for (const id of ids) {
        this.pendingFeatures.delete(id);
        this.webp32.drop(id);
      }
      this.tell({ type: 'deleted', ids });
      return ids;
    });
    // After the commit: a crash here leaves orphan files, which start-up sweeps.
    for (const id of gone) await this.opts.store.deleteFiles(id);
    return gone;
  }

  /** Deletes tiles waiting for review (rows and files); live or unknown ids are skipped. */
  reject(ids: readonly number[]): Promise<number[]> {
    return this.removeMany(() => ids.filter((id) => this.tiles.get(id)?.status === 'pending'));
  }

  /** Admin takedown: every tile (live or pending) of a rally, or every live tile in a region. */
  removeWhere(sel: Takedown): Promise<number[]> {
    return this.removeMany(() => {
      if ('event' in sel) return [...this.tiles.all()].filter((t) => t.event === sel.event).map((t) => t.id);
      const { col, row, cols, rows } = sel.region;
      return this.liveIn(col, row, cols, rows).map((t) => t.id);
    });
  }

  /**
   * Places tiles waiting for review (growing the grid when full), in one commit. Returns the
   * ids placed; live and unknown ids are skipped.
   */
  approve(ids: readonly number[]): Promise<number[]> {
    return this.mutex.run(async () => {
      const todo = [...new Set(ids)].filter((id) => this.pendingFeatures.has(id) && this.tiles.has(id));
      if (!todo.length) return todo;
      const changes: Change[] = [];
      for (const id of todo) {
        await this.growIfFull(changes);
        changes.push(...this.engine.place(id, this.pendingFeatures.get(id)!));
      }
      await this.commitOrRebuild({ changes });
      for (const id of todo) this.pendingFeatures.delete(id);
      return todo;
    });
  }

  /**
   * Takes a live tile off the mosaic and back into the review queue (e.g. flagged by
   * viewers): its cell is freed and every viewer gets `removed`; approve() puts it back.
   */
  hide(id: number): Promise<boolean> {
    return this.mutex.run(async () => {
      const t = this.tiles.get(id);
      if (t?.status !== 'live') return false;
      const features = this.opts.store.readFeatures(id);
      if (!features) return false;
      const change = this.engine.remove(id);
      await this.commitOrRebuild({ pend: [id], changes: change ? [change] : [] });
      this.pendingFeatures.set(id, features);
      this.webp32.drop(id);
      return true;
    });
  }

  async pending(limit: number): Promise<PendingQueue> {
    const ids = [...this.pendingFeatures.keys()];
    let oldest = Number.POSITIVE_INFINITY;
    for (const id of ids) oldest = Math.min(oldest, this.tiles.get(id)!.createdAt);
    // The live numbers ask for no page: the mark is the set's, so nothing needs sorting.
    const page = limit > 0 ? ids.sort((a, b) => a - b).slice(0, limit) : [];
    return {
      length: ids.length,
      oldestCreatedAt: ids.length ? oldest : null,
      mark: queueMark(ids),
      tiles: page.map((id) => this.tiles.get(id)!),
    };
  }

  async find(id: number): Promise<TileRecord | undefined> {
    return this.tiles.get(id);
  }

  /** Called after each commit that stores or deletes tiles (for indexes outside the core). */
  subscribeTiles(listener: (e: TileLifecycle) => void): () => void {
    return this.lifecycleListeners.add(listener);
  }

  private tell(e: TileLifecycle) {
    this.lifecycleListeners.emit(e);
  }

  get(id: number): TileRecord | undefined {
    return this.tiles.get(id);
  }

  /** Every tile, live and pending. */
  all(): IterableIterator<TileRecord> {
    return this.tiles.all();
  }

  /** Live tiles inside a block of cells. */
  liveIn(...block: Parameters<TileBook['liveIn']>): ReturnType<TileBook['liveIn']> {
    return this.tiles.liveIn(...block);
  }

  /** Every live tile's cell and tint, as published (in id order). */
  placements(): Placement[] {
    return [...this.tiles.placements()];
  }

  /**
   * One size of a tile's file; the 32 px WebP of tiles that keep only its raw pixels is
   * encoded from those, once while it stays in the cache of recent ones.
   */
  async readFile(id: number, size: TileSize): Promise<Buffer | null> {
    const { store } = this.opts;
    const read = () =>
      readTileSize(
        (i, s) => store.readFile(i, s),
        (i) => store.readRgb32(i),
        id,
        size,
      );
    // Only live tiles are kept: a moderator's look at a pending one is read and let go.
    if (size !== 32 || this.tiles.get(id)?.status !== 'live') return read();
    const data = await this.webp32.get(`${id}/32`, read);
    // Deleted or hidden while it was read: nothing of it stays in memory.
    if (this.tiles.get(id)?.status !== 'live') this.webp32.drop(id);
    return data;
  }

  readRgb32(id: number) {
    return this.opts.store.readRgb32(id);
  }

  // LiveSource
  snapshot(): LiveSnapshot {
    // The book is kept in step with the engine: no per-tile objects are made here.
    const { cols, rows, seq } = this.shown;
    return { cols, rows, seq, tiles: this.tiles.liveTiles() };
  }

  snapshotCells(): LiveCells {
    return this.tiles.cells(this.shown.seq);
  }

  subscribe(listener: (changes: readonly LogChange[]) => void): () => void {
    return this.changeListeners.add(listener);
  }

  /** What a placed change carries beyond its placement (the tile is in the book by then). */
  private logInfo(id: number): { rgb: [number, number, number]; event: string | null; createdAt: number } {
    const t = this.tiles.get(id);
    return { rgb: t?.rgb ?? [0, 0, 0], event: t?.event ?? null, createdAt: t?.createdAt ?? 0 };
  }
}
