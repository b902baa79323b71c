import { randomInt } from 'node:crypto';
import { createEngine, mulberry32, type PlacementEngine, restoreEngine } from '../../shared/mosaic/index.ts';
import type { Change, Placement, Tint } from '../../shared/mosaic/types.ts';
import type { IngestedPhoto } from '../ingest/pipeline.ts';
import type { Target } from '../ingest/target.ts';
import type { LiveSnapshot, LiveSource, LiveTile, LiveTileInfo } from '../realtime/source.ts';
import type { MosaicMeta, TileRow, TileStore } from '../store/types.ts';
import { newDeleteToken, tokenMatches } from './deleteToken.ts';
import { Mutex } from './mutex.ts';

/** A tile as the service keeps it in memory (no features). */
export type TileRecord = Omit<TileRow, 'features'>;

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

/**
 * The server core: owns the engine and the in-memory view of the store, serialises
 * every mutation, commits durably, then publishes the changes (in that order).
 */
export class MosaicService implements LiveSource {
  private readonly tiles = new Map<number, TileRecord>();
  /** Features of tiles waiting for review (they are not in the engine). */
  private readonly pendingFeatures = new Map<number, Float32Array>();
  private readonly listeners = new Set<(changes: readonly Change[]) => void>();
  private readonly lifecycleListeners = new Set<(e: TileLifecycle) => void>();
  private readonly mutex = new Mutex();
  private readonly clock: () => number;

  private constructor(
    private readonly opts: ServiceOptions,
    private engine: PlacementEngine,
    /** See LiveSource.epoch: drawn when the mosaic starts, stored with it. */
    readonly epoch: number,
  ) {
    this.clock = opts.clock ?? Date.now;
  }

  /** Loads the stored mosaic (or starts a new one) and sweeps orphaned files. */
  static async open(opts: ServiceOptions): Promise<MosaicService> {
    const { meta, tiles } = opts.store.load();
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
    const live = tiles.filter((t) => t.status === 'live' && t.col >= 0);
    const engine = live.length
      ? restoreEngine({
          ...base,
          rng: mulberry32(opts.seed + geometry.seq),
          placements: live.map((t) => ({ id: t.id, col: t.col, row: t.row, features: t.features })),
        })
      : createEngine({ ...base, rng: mulberry32(opts.seed) });
    const svc = new MosaicService(opts, engine, geometry.epoch!);
    for (const t of tiles) {
      const { features, ...rec } = t;
      svc.tiles.set(t.id, rec);
      if (t.status === 'pending') svc.pendingFeatures.set(t.id, features.slice()); // not a view into the load's arena
    }
    svc.rebuildGrid();
    await opts.store.sweepOrphans();
    if (!meta?.epoch) opts.store.commit({ changes: [], meta: geometry });
    return svc;
  }

  get cols() {
    return this.engine.cols;
  }
  get rows() {
    return this.engine.rows;
  }
  get seq() {
    return this.engine.seq;
  }
  get tileCount() {
    return this.engine.size;
  }
  get moderation() {
    return this.opts.moderation;
  }

  /** Stores a processed photo; places it at once unless moderation is 'pre'. */
  async add(photo: IngestedPhoto, meta: { event: string | null; phash: string | null }): Promise<AddedTile> {
    const id = this.opts.store.reserveId();
    const { token, hash } = newDeleteToken();
    // Files first: a crash before the row commits leaves an orphan that start-up sweeps.
    await this.opts.store.putFiles(id, photo.files);
    const row: TileRow = {
      id,
      status: this.opts.moderation === 'pre' ? 'pending' : 'live',
      col: -1,
      row: -1,
      tint: { r: 0, g: 0, b: 0 },
      event: meta.event,
      createdAt: this.clock(),
      deleteHash: hash,
      features: photo.features,
      rgb: photo.rgb,
      phash: meta.phash,
    };
    try {
      return await this.mutex.run(async () => {
        if (row.status === 'pending') {
          this.opts.store.commit({ insert: row, changes: [], meta: this.meta() });
          this.remember(row);
          this.pendingFeatures.set(id, row.features);
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
      await this.opts.store.deleteFiles(id);
      throw e;
    }
  }

  /** Places a stored-but-unplaced tile (a new one, or one approved from the queue). Call inside the mutex. */
  private async placeLocked(row: TileRow, insert = true): Promise<Change[]> {
    const changes: Change[] = [];
    if (this.engine.isFull()) {
      const cols = this.engine.cols * 2;
      const rows = this.engine.rows * 2;
      changes.push(this.engine.grow(cols, rows, await this.opts.target.cellFeatures(cols, rows)));
    }
    changes.push(...this.engine.place(row.id, row.features));
    this.commitOrRebuild({ insert: insert ? row : undefined, changes }, row);
    return changes;
  }

  private meta(): MosaicMeta {
    return { cols: this.engine.cols, rows: this.engine.rows, seq: this.engine.seq, epoch: this.epoch };
  }

  private remember(row: TileRow) {
    const { features: _f, ...rec } = row;
    this.tiles.set(row.id, rec);
  }

  /** Commits engine changes durably, then updates memory and publishes. */
  private commitOrRebuild(
    c: { insert?: TileRow; remove?: number[]; pend?: number[]; changes: Change[] },
    row?: TileRow,
  ) {
    try {
      this.opts.store.commit({ ...c, meta: this.meta() });
    } catch (e) {
      // The engine moved ahead of the store: rebuild it from what is durable.
      this.engine = this.rebuildEngine();
      throw e;
    }
    if (row) this.remember(row);
    for (const id of c.remove ?? []) this.tiles.delete(id);
    this.applyToMemory(c.changes);
    for (const id of c.pend ?? []) {
      const t = this.tiles.get(id);
      if (t) Object.assign(t, { status: 'pending', col: -1, row: -1 });
    }
    this.publish(c.changes);
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

  private applyToMemory(changes: readonly Change[]) {
    const touched: [number, number][] = [];
    let all = false;
    const set = (p: Placement) => {
      const t = this.tiles.get(p.id);
      if (!t) return;
      touched.push([p.col, p.row]);
      if (t.col >= 0 && this.grid[t.row * this.engine.cols + t.col] === p.id) {
        this.grid[t.row * this.engine.cols + t.col] = 0;
        touched.push([t.col, t.row]);
      }
      Object.assign(t, { col: p.col, row: p.row, tint: p.tint, status: 'live' });
      this.grid[p.row * this.engine.cols + p.col] = p.id;
    };
    for (const c of changes) {
      if (c.type === 'placed' || c.type === 'moved') set(c);
      else if (c.type === 'grown') {
        this.rebuildGrid();
        all = true;
      } else if (c.type === 'removed') {
        touched.push([c.col, c.row]);
        if (this.grid[c.row * this.engine.cols + c.col] === c.id)
          this.grid[c.row * this.engine.cols + c.col] = 0;
        const t = this.tiles.get(c.id);
        if (t) Object.assign(t, { col: -1, row: -1 });
      }
    }
    if (all || touched.length) for (const l of this.cellListeners) l(all ? null : touched);
  }

  private readonly cellListeners = new Set<(cells: readonly (readonly [number, number])[] | null) => void>();

  /** Called with the cells whose picture changed (null: all of them), after each commit. */
  subscribeCells(listener: (cells: readonly (readonly [number, number])[] | null) => void): () => void {
    this.cellListeners.add(listener);
    return () => this.cellListeners.delete(listener);
  }

  /** cell index -> tile id (0 = empty), for block queries. */
  private grid = new Int32Array(0);

  private rebuildGrid() {
    this.grid = new Int32Array(this.engine.cols * this.engine.rows);
    for (const p of this.engine.placements()) {
      this.grid[p.row * this.engine.cols + p.col] = p.id;
      const t = this.tiles.get(p.id);
      if (t) Object.assign(t, { col: p.col, row: p.row, tint: p.tint, status: 'live' });
    }
  }

  private publish(changes: readonly Change[]) {
    if (!changes.length) return;
    for (const l of this.listeners) {
      try {
        l(changes);
      } catch (e) {
        console.error('change listener failed:', e);
      }
    }
  }

  /** True when `token` is the tile's delete token. */
  canDelete(id: number, token: string): boolean {
    const t = this.tiles.get(id);
    return !!t && tokenMatches(token, t.deleteHash);
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
    const gone = await this.mutex.run(() => {
      const ids = [...new Set(select())].filter((id) => this.tiles.has(id));
      if (!ids.length) return ids;
      const changes: Change[] = [];
      for (const id of ids) {
        const change = this.tiles.get(id)!.col >= 0 ? this.engine.remove(id) : null;
        if (change) changes.push(change);
      }
      this.commitOrRebuild({ remove: ids, changes });
      for (const id of ids) this.pendingFeatures.delete(id);
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
  removeWhere(sel: TakedownSelector): Promise<number[]> {
    return this.removeMany(() => {
      if ('event' in sel)
        return [...this.tiles.values()].filter((t) => t.event === sel.event).map((t) => t.id);
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
        if (this.engine.isFull()) {
          const cols = this.engine.cols * 2;
          const rows = this.engine.rows * 2;
          changes.push(this.engine.grow(cols, rows, await this.opts.target.cellFeatures(cols, rows)));
        }
        changes.push(...this.engine.place(id, this.pendingFeatures.get(id)!));
      }
      this.commitOrRebuild({ changes });
      for (const id of todo) this.pendingFeatures.delete(id);
      return todo;
    });
  }

  /**
   * Takes a live tile off the mosaic and back into the review queue (e.g. flagged by
   * viewers): its cell is freed and every viewer gets `removed`; approve() puts it back.
   */
  hide(id: number): Promise<boolean> {
    return this.mutex.run(() => {
      const t = this.tiles.get(id);
      if (t?.status !== 'live') return false;
      const features = this.opts.store.readFeatures(id);
      if (!features) return false;
      const change = this.engine.remove(id);
      this.commitOrRebuild({ pend: [id], changes: change ? [change] : [] });
      this.pendingFeatures.set(id, features);
      return true;
    });
  }

  /** Ids of the tiles waiting for review, oldest first. */
  pendingIds(): number[] {
    return [...this.pendingFeatures.keys()].sort((a, b) => a - b);
  }

  /** Called after each commit that stores or deletes tiles (for indexes outside the core). */
  subscribeTiles(listener: (e: TileLifecycle) => void): () => void {
    this.lifecycleListeners.add(listener);
    return () => this.lifecycleListeners.delete(listener);
  }

  private tell(e: TileLifecycle) {
    for (const l of this.lifecycleListeners) {
      try {
        l(e);
      } catch (err) {
        console.error('tile listener failed:', err);
      }
    }
  }

  get(id: number): TileRecord | undefined {
    return this.tiles.get(id);
  }

  /** Every tile, live and pending. */
  all(): IterableIterator<TileRecord> {
    return this.tiles.values();
  }

  /** Live tiles inside a block of cells. */
  liveIn(
    col0: number,
    row0: number,
    cols: number,
    rows: number,
  ): { id: number; col: number; row: number; tint: Tint }[] {
    const out = [];
    const c1 = Math.min(this.engine.cols, col0 + cols);
    const r1 = Math.min(this.engine.rows, row0 + rows);
    for (let r = Math.max(0, row0); r < r1; r++) {
      for (let c = Math.max(0, col0); c < c1; c++) {
        const id = this.grid[r * this.engine.cols + c]!;
        const t = id ? this.tiles.get(id) : undefined;
        if (t) out.push({ id, col: c, row: r, tint: t.tint });
      }
    }
    return out;
  }

  placements(): Placement[] {
    return this.engine.placements();
  }

  readFile(id: number, size: number) {
    return this.opts.store.readFile(id, size);
  }

  // LiveSource
  snapshot(): LiveSnapshot {
    // The grid and the records are kept in step with the engine (rebuildGrid, applyToMemory),
    // and a record already has the shape of a LiveTile: no per-tile objects are made, which
    // matters at a million tiles (the live layer takes one snapshot at start-up).
    const tiles: LiveTile[] = [];
    const g = this.grid;
    for (let c = 0; c < g.length; c++) {
      const id = g[c]!;
      if (id === 0) continue;
      const t = this.tiles.get(id);
      if (t) tiles.push(t);
    }
    return { cols: this.engine.cols, rows: this.engine.rows, seq: this.engine.seq, tiles };
  }

  subscribe(listener: (changes: readonly Change[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  tileInfo(id: number): LiveTileInfo | undefined {
    const t = this.tiles.get(id);
    return t && { rgb: t.rgb, event: t.event };
  }
}
