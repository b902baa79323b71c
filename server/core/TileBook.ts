import type { Change, Placement, Tint } from '../../shared/mosaic/types.ts';
import type { LiveTile } from '../realtime/source.ts';
import type { LoadedTile } from '../store/types.ts';
import { Listeners } from './listeners.ts';

/** A tile as the service keeps it in memory (no features, no delete hash: the store has them). */
export type TileRecord = Omit<LoadedTile, 'features'>;

/** Cells whose picture changed, as [col, row]; null when all of them did (a growth). */
export type ChangedCells = readonly (readonly [number, number])[] | null;

/** The engine's layout, for rebuilding the cell grid after a growth. */
export interface Layout {
  cols: number;
  rows: number;
  placements(): Iterable<Placement>;
}

/**
 * The service's in-memory view of the stored tiles: every record by id, and which live
 * tile holds each cell, kept in step with the engine's committed changes.
 */
export class TileBook {
  private readonly tiles = new Map<number, TileRecord>();
  /** cell index -> tile id (0 = empty), for block queries and snapshots. */
  private grid = new Int32Array(0);
  private cols = 0;
  private rows = 0;
  /** Told the cells whose picture changed, after each applied batch. */
  readonly changedCells = new Listeners<ChangedCells>('cell');

  get(id: number): TileRecord | undefined {
    return this.tiles.get(id);
  }

  /** Records held, live and pending. */
  get size(): number {
    return this.tiles.size;
  }

  has(id: number): boolean {
    return this.tiles.has(id);
  }

  /** Every tile, live and pending. */
  all(): IterableIterator<TileRecord> {
    return this.tiles.values();
  }

  /** Keeps a stored row's record (its features and delete hash are not kept). */
  remember(row: LoadedTile & { deleteHash?: string }): void {
    const { features: _f, deleteHash: _h, ...rec } = row;
    this.tiles.set(row.id, rec);
  }

  delete(id: number): void {
    this.tiles.delete(id);
  }

  /** Marks a tile as waiting for review, off the grid (its cell's `removed` is applied separately). */
  pend(id: number): void {
    const t = this.tiles.get(id);
    if (t) Object.assign(t, { status: 'pending', col: -1, row: -1 });
  }

  /** Rebuilds the cell grid from the engine's placements and updates the records to match. */
  reset(layout: Layout): void {
    this.cols = layout.cols;
    this.rows = layout.rows;
    this.grid = new Int32Array(layout.cols * layout.rows);
    for (const p of layout.placements()) {
      this.grid[p.row * this.cols + p.col] = p.id;
      const t = this.tiles.get(p.id);
      if (t) Object.assign(t, { col: p.col, row: p.row, tint: p.tint, status: 'live' });
    }
  }

  /** Applies committed engine changes to the records and the grid, then tells the changed cells. */
  apply(changes: readonly Change[], layout: Layout): void {
    const touched: [number, number][] = [];
    let all = false;
    const set = (p: Placement) => {
      const t = this.tiles.get(p.id);
      if (!t) return;
      touched.push([p.col, p.row]);
      if (t.col >= 0 && this.grid[t.row * this.cols + t.col] === p.id) {
        this.grid[t.row * this.cols + t.col] = 0;
        touched.push([t.col, t.row]);
      }
      Object.assign(t, { col: p.col, row: p.row, tint: p.tint, status: 'live' });
      this.grid[p.row * this.cols + p.col] = p.id;
    };
    for (const c of changes) {
      if (c.type === 'placed' || c.type === 'moved') set(c);
      else if (c.type === 'grown') {
        this.reset(layout);
        all = true;
      } else if (c.type === 'removed') {
        touched.push([c.col, c.row]);
        if (this.grid[c.row * this.cols + c.col] === c.id) this.grid[c.row * this.cols + c.col] = 0;
        const t = this.tiles.get(c.id);
        if (t) Object.assign(t, { col: -1, row: -1 });
      }
    }
    if (all || touched.length) this.changedCells.emit(all ? null : touched);
  }

  /** Live tiles inside a block of cells. */
  liveIn(
    col0: number,
    row0: number,
    cols: number,
    rows: number,
  ): { id: number; col: number; row: number; tint: Tint }[] {
    const out = [];
    const c1 = Math.min(this.cols, col0 + cols);
    const r1 = Math.min(this.rows, row0 + rows);
    for (let r = Math.max(0, row0); r < r1; r++) {
      for (let c = Math.max(0, col0); c < c1; c++) {
        const id = this.grid[r * this.cols + c]!;
        const t = id ? this.tiles.get(id) : undefined;
        if (t) out.push({ id, col: c, row: r, tint: t.tint });
      }
    }
    return out;
  }

  /**
   * Every live tile in cell order. A record already has the shape of a LiveTile: no
   * per-tile objects are made, which matters at a million tiles.
   */
  liveTiles(): LiveTile[] {
    const tiles: LiveTile[] = [];
    const g = this.grid;
    for (let c = 0; c < g.length; c++) {
      const id = g[c]!;
      if (id === 0) continue;
      const t = this.tiles.get(id);
      if (t) tiles.push(t);
    }
    return tiles;
  }
}
