import type { LogChange } from '../../server/core/logChange.ts';
import type { LiveSnapshot, LiveSource, LiveTile } from '../../server/realtime/source.ts';
import type { Placement, Tint } from '../../shared/mosaic/types.ts';

/** What {@link MemoryLiveSource.place} may be told; the rest is chosen for you. */
export interface PlaceOptions {
  col?: number;
  row?: number;
  tint?: Tint;
  rgb?: [number, number, number];
  event?: string | null;
}

/**
 * An in-memory LiveSource driven directly, for tests and benchmarks (test support only): it keeps the
 * contract (state first, then the change published synchronously, in sequence order).
 */
export class MemoryLiveSource implements LiveSource {
  private readonly tiles = new Map<number, LiveTile>();
  private readonly grid: Int32Array[] = [];
  private readonly listeners = new Set<(changes: readonly LogChange[]) => void>();
  private nextId = 1;
  seq = 0;
  epoch = 1;
  /** Rally codes this source knows; null accepts any. */
  events: Set<string> | null = null;

  constructor(
    public cols: number,
    public rows: number,
  ) {}

  snapshot(): LiveSnapshot {
    return {
      cols: this.cols,
      rows: this.rows,
      seq: this.seq,
      tiles: [...this.tiles.values()].map((t) => ({ ...t })),
    };
  }

  subscribe(listener: (changes: readonly LogChange[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  knownEvent(code: string): boolean {
    return this.events === null || this.events.has(code);
  }

  get size(): number {
    return this.tiles.size;
  }

  /** Places a new tile in the given cell or the first free one; publishes and returns its change. */
  place(opts: PlaceOptions = {}): LogChange {
    const cell = opts.col !== undefined && opts.row !== undefined ? [opts.col, opts.row] : this.freeCell();
    if (!cell) throw new Error('mosaic is full');
    const [col, row] = cell as [number, number];
    if (this.occupant(col, row)) throw new Error(`cell ${col},${row} is taken`);
    const id = this.nextId++;
    const tile: LiveTile = {
      id,
      col,
      row,
      tint: opts.tint ?? { r: (id % 21) - 10, g: 0, b: 10 - (id % 21) },
      rgb: opts.rgb ?? [(id * 37) & 255, (id * 91) & 255, (id * 53) & 255],
      event: opts.event ?? null,
    };
    this.tiles.set(id, tile);
    this.setCell(col, row, id);
    return this.publish({
      type: 'placed',
      seq: ++this.seq,
      id,
      col,
      row,
      tint: tile.tint,
      rgb: tile.rgb,
      event: tile.event,
      createdAt: 0,
    });
  }

  /** Moves a tile to a free cell. */
  move(id: number, col: number, row: number): LogChange {
    const t = this.mustGet(id);
    if (this.occupant(col, row)) throw new Error(`cell ${col},${row} is taken`);
    this.setCell(t.col, t.row, 0);
    t.col = col;
    t.row = row;
    this.setCell(col, row, id);
    return this.publish({ type: 'moved', seq: ++this.seq, id, col, row, tint: t.tint });
  }

  /**
   * Swaps two tiles' cells as the engine does: two moves in one batch, the first landing on
   * the second tile's cell before that tile has moved.
   */
  swap(a: number, b: number): LogChange[] {
    const ta = this.mustGet(a);
    const tb = this.mustGet(b);
    const [ac, ar, bc, br] = [ta.col, ta.row, tb.col, tb.row];
    [ta.col, ta.row, tb.col, tb.row] = [bc, br, ac, ar];
    this.setCell(bc, br, a);
    this.setCell(ac, ar, b);
    const changes: LogChange[] = [
      { type: 'moved', seq: ++this.seq, id: a, col: bc, row: br, tint: ta.tint },
      { type: 'moved', seq: ++this.seq, id: b, col: ac, row: ar, tint: tb.tint },
    ];
    for (const l of this.listeners) l(changes);
    return changes;
  }

  /** Removes a tile. */
  remove(id: number): LogChange {
    const t = this.mustGet(id);
    this.tiles.delete(id);
    this.setCell(t.col, t.row, 0);
    return this.publish({ type: 'removed', seq: ++this.seq, id, col: t.col, row: t.row });
  }

  /** Grows the grid and re-lays every tile out row-major, in id order, as one change. */
  grow(cols: number, rows: number): LogChange {
    this.cols = cols;
    this.rows = rows;
    this.grid.length = 0;
    const placements: Placement[] = [];
    let i = 0;
    for (const t of [...this.tiles.values()].sort((a, b) => a.id - b.id)) {
      t.col = i % cols;
      t.row = Math.floor(i / cols);
      this.setCell(t.col, t.row, t.id);
      placements.push({ id: t.id, col: t.col, row: t.row, tint: t.tint });
      i++;
    }
    return this.publish({ type: 'grown', seq: ++this.seq, cols, rows, placements });
  }

  private publish(change: LogChange): LogChange {
    for (const l of this.listeners) l([change]);
    return change;
  }

  private mustGet(id: number): LiveTile {
    const t = this.tiles.get(id);
    if (!t) throw new Error(`no tile ${id}`);
    return t;
  }

  private occupant(col: number, row: number): number {
    return this.grid[row]?.[col] ?? 0;
  }

  private setCell(col: number, row: number, id: number): void {
    let line = this.grid[row];
    if (!line) {
      line = new Int32Array(this.cols);
      this.grid[row] = line;
    }
    line[col] = id;
  }

  private freeCell(): [number, number] | null {
    if (this.tiles.size >= this.cols * this.rows) return null;
    for (let r = 0; r < this.rows; r++) {
      for (let c = 0; c < this.cols; c++) if (!this.occupant(c, r)) return [c, r];
    }
    return null;
  }
}
