import type { Change, Placement, Tint } from '../../shared/mosaic/types.ts';
import { packRgb, unpackRgb } from '../../shared/protocolChanges.ts';
import type { LiveCells, LiveTile } from '../realtime/source.ts';
import { type ImageColumns, newColumns } from '../store/startupImage.ts';
import { phashHex, setPhashWords, TileFlag } from '../store/tileColumns.ts';
import type { LoadedTile } from '../store/types.ts';
import { Listeners } from './listeners.ts';
import { RallyCodes } from './RallyCodes.ts';

/** A tile as the service keeps it in memory (no features, no delete hash: the store has them). */
export type TileRecord = Omit<LoadedTile, 'features'>;

/** Cells whose picture changed, as [col, row]; null when all of them did (a growth). */
export type ChangedCells = readonly (readonly [number, number])[] | null;

/** The grid and every placement in it (the engine's, or a growth's), for rebuilding the cell grid. */
export interface GridPlacements {
  cols: number;
  rows: number;
  placements(): Iterable<Placement>;
}

/** The fields {@link TileBook.remember} keeps. */
export type RememberedTile = Omit<TileRecord, 'phash'> & { phash?: string | null };

type Column = Uint8Array | Int16Array | Uint32Array | Float64Array;

const { none: NONE, live: LIVE, pending: PENDING, hasPhash: HAS_PHASH } = TileFlag;

/**
 * The in-memory view of the stored tiles, as columns indexed by tile id (ids are dense) so
 * that a million tiles cost about 30 bytes each rather than a few hundred in objects: the
 * status, cell, tint, colour, rally, time and perceptual hash of every tile, and which live
 * tile holds each cell. Records are made on demand by get() and all().
 */
export class TileBook {
  private flags = new Uint8Array(1024);
  private cellCol = new Int16Array(1024);
  private cellRow = new Int16Array(1024);
  private tint = new Int16Array(3 * 1024);
  private rgb = new Uint32Array(1024);
  private event = new Uint16Array(1024);
  private created = new Float64Array(1024);
  private phash = new Uint32Array(2 * 1024);
  private readonly rallies = new RallyCodes();
  private count = 0;
  private maxId = 0;
  /** cell index -> tile id (0 = empty), for block queries and snapshots. */
  private grid = new Int32Array(0);
  private cols = 0;
  private rows = 0;
  /** Told the cells whose picture changed, after each applied batch. */
  readonly changedCells = new Listeners<ChangedCells>('cell');

  /** Records held, live and pending. */
  get size(): number {
    return this.count;
  }

  has(id: number): boolean {
    return id > 0 && id < this.flags.length && (this.flags[id]! & 3) !== NONE;
  }

  get(id: number): TileRecord | undefined {
    if (!this.has(id)) return undefined;
    const f = this.flags[id]!;
    const e = this.event[id]!;
    const c = this.rgb[id]!;
    return {
      id,
      status: (f & 3) === LIVE ? 'live' : 'pending',
      col: this.cellCol[id]!,
      row: this.cellRow[id]!,
      tint: { r: this.tint[3 * id]!, g: this.tint[3 * id + 1]!, b: this.tint[3 * id + 2]! },
      event: this.rallies.name(e),
      createdAt: this.created[id]!,
      rgb: unpackRgb(c),
      phash: f & HAS_PHASH ? phashHex(this.phash, id) : null,
    };
  }

  /** Every tile, live and pending, in id order. */
  *all(): IterableIterator<TileRecord> {
    for (let id = 1; id <= this.maxId; id++) if (this.has(id)) yield this.get(id)!;
  }

  /** The rally code of a tile, without making its record. */
  eventOf(id: number): string | null {
    const e = this.has(id) ? this.event[id]! : 0;
    return this.rallies.name(e);
  }

  /** Keeps a stored row's record (its features and delete hash are not kept). */
  remember(row: RememberedTile): void {
    const id = row.id;
    if (!Number.isInteger(id) || id < 1 || id >= 2 ** 31) throw new RangeError(`bad tile id ${id}`);
    this.room(id);
    if (!this.has(id)) this.count++;
    if (id > this.maxId) this.maxId = id;
    let f = row.status === 'live' ? LIVE : PENDING;
    if (row.phash) {
      f |= HAS_PHASH;
      setPhashWords(this.phash, id, row.phash);
    }
    this.flags[id] = f;
    this.cellCol[id] = row.col;
    this.cellRow[id] = row.row;
    this.setTint(id, row.tint);
    this.rgb[id] = packRgb(row.rgb[0], row.rgb[1], row.rgb[2]);
    this.event[id] = this.rallies.code(row.event);
    this.created[id] = row.createdAt;
  }

  /**
   * Keeps a start-up image's rows (see store/startupImage.ts, whose flag bits are the book's),
   * a column at a time instead of a record at a time, in any order of ids.
   */
  rememberColumns(c: ImageColumns, count: number, events: readonly string[]): void {
    if (!count) return;
    let top = 0;
    for (let i = 0; i < count; i++) top = Math.max(top, c.ids[i]!);
    this.room(top);
    const codes = Uint16Array.from([0, ...events.map((e) => this.rallies.code(e))]);
    for (let i = 0; i < count; i++) {
      const id = c.ids[i]!;
      if (!this.has(id)) this.count++;
      this.event[id] = codes[c.event[i]!]!;
    }
    this.maxId = Math.max(this.maxId, top);
    for (const [book, image, per] of this.columnPairs(c)) {
      for (let i = 0; i < count; i++) {
        const id = c.ids[i]!;
        for (let k = 0; k < per; k++) book[per * id + k] = image[per * i + k]!;
      }
    }
  }

  /** Every record as start-up image columns, in id order (features left for the store to fill). */
  toColumns(): { cols: ImageColumns; count: number; events: string[] } {
    const cols = newColumns(this.count);
    let n = 0;
    for (let id = 1; id <= this.maxId; id++) if (this.has(id)) cols.ids[n++] = id;
    for (const [book, image, per] of this.columnPairs(cols)) {
      for (let i = 0; i < n; i++) {
        const id = cols.ids[i]!;
        for (let k = 0; k < per; k++) image[per * i + k] = book[per * id + k]!;
      }
    }
    cols.event.set(cols.ids.subarray(0, n).map((id) => this.event[id]!));
    return { cols, count: n, events: this.rallies.all() };
  }

  /** The book's columns beside the image's that hold the same values, with values per tile. */
  private columnPairs(c: ImageColumns): [Column, Column, number][] {
    return [
      [this.flags, c.flags, 1],
      [this.cellCol, c.col, 1],
      [this.cellRow, c.row, 1],
      [this.tint, c.tint, 3],
      [this.rgb, c.rgb, 1],
      [this.created, c.created, 1],
      [this.phash, c.phash, 2],
    ];
  }

  delete(id: number): void {
    if (!this.has(id)) return;
    this.flags[id] = NONE;
    this.count--;
  }

  /** Marks a tile as waiting for review, off the grid (its cell's `removed` is applied separately). */
  pend(id: number): void {
    if (!this.has(id)) return;
    this.flags[id] = (this.flags[id]! & ~3) | PENDING;
    this.cellCol[id] = -1;
    this.cellRow[id] = -1;
  }

  /** Rebuilds the cell grid from the engine's placements and updates the records to match. */
  reset(from: GridPlacements): void {
    this.cols = from.cols;
    this.rows = from.rows;
    this.grid = new Int32Array(from.cols * from.rows);
    for (const p of from.placements()) {
      this.grid[p.row * this.cols + p.col] = p.id;
      if (this.has(p.id)) this.place(p);
    }
  }

  /**
   * Builds the cell grid from the records' own cells and tints: for a start-up whose rows
   * were written with the engine's tints for this target and tint strength (else reset()).
   */
  indexCells(cols: number, rows: number): void {
    this.cols = cols;
    this.rows = rows;
    this.grid = new Int32Array(cols * rows);
    for (let id = 1; id <= this.maxId; id++) {
      const c = this.cellCol[id]!;
      if ((this.flags[id]! & 3) !== LIVE || c < 0) continue;
      this.grid[this.cellRow[id]! * cols + c] = id;
    }
  }

  private place(p: Placement): void {
    this.flags[p.id] = (this.flags[p.id]! & ~3) | LIVE;
    this.cellCol[p.id] = p.col;
    this.cellRow[p.id] = p.row;
    this.setTint(p.id, p.tint);
  }

  /** Applies committed engine changes to the records and the grid, then tells the changed cells. */
  apply(changes: readonly Change[], from: GridPlacements): void {
    const touched: [number, number][] = [];
    let all = false;
    for (const c of changes) {
      if (c.type === 'placed' || c.type === 'moved') {
        if (!this.has(c.id)) continue;
        touched.push([c.col, c.row]);
        const oc = this.cellCol[c.id]!;
        const or = this.cellRow[c.id]!;
        if (oc >= 0 && this.grid[or * this.cols + oc] === c.id) {
          this.grid[or * this.cols + oc] = 0;
          touched.push([oc, or]);
        }
        this.place(c);
        this.grid[c.row * this.cols + c.col] = c.id;
      } else if (c.type === 'grown') {
        this.reset(from);
        all = true;
      } else if (c.type === 'removed') {
        touched.push([c.col, c.row]);
        if (this.grid[c.row * this.cols + c.col] === c.id) this.grid[c.row * this.cols + c.col] = 0;
        if (this.has(c.id)) {
          this.cellCol[c.id] = -1;
          this.cellRow[c.id] = -1;
        }
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
        if (id && this.has(id)) out.push({ id, col: c, row: r, tint: this.tintOf(id) });
      }
    }
    return out;
  }

  /** Where every live tile sits (by its own record, not the grid), in id order. */
  *placements(): IterableIterator<Placement> {
    for (let id = 1; id <= this.maxId; id++) {
      if ((this.flags[id]! & 3) !== LIVE || this.cellCol[id]! < 0) continue;
      yield { id, col: this.cellCol[id]!, row: this.cellRow[id]!, tint: this.tintOf(id) };
    }
  }

  /** The live tiles as cell-major arrays (see LiveSource.snapshotCells), made from the columns. */
  cells(seq: number): LiveCells {
    const n = this.grid.length;
    const cellId = new Uint32Array(n);
    const cellTint = new Int16Array(3 * n);
    const cellRgb = new Uint32Array(n);
    let count = 0;
    for (let cell = 0; cell < n; cell++) {
      const id = this.grid[cell]!;
      if (id === 0 || (this.flags[id]! & 3) !== LIVE) continue;
      cellId[cell] = id;
      cellTint[3 * cell] = this.tint[3 * id]!;
      cellTint[3 * cell + 1] = this.tint[3 * id + 1]!;
      cellTint[3 * cell + 2] = this.tint[3 * id + 2]!;
      cellRgb[cell] = this.rgb[id]!;
      count++;
    }
    return {
      seq,
      cols: this.cols,
      rows: this.rows,
      cellId,
      cellTint,
      cellRgb,
      count,
      eachEvent: (each) => {
        for (let cell = 0; cell < n; cell++) {
          const id = cellId[cell]!;
          const e = id ? this.event[id]! : 0;
          if (e) each(id, this.rallies.name(e)!);
        }
      },
    };
  }

  /** Every live tile in cell order, as fresh objects. */
  liveTiles(): LiveTile[] {
    const tiles: LiveTile[] = [];
    const g = this.grid;
    for (let cell = 0; cell < g.length; cell++) {
      const id = g[cell]!;
      if (id === 0 || !this.has(id)) continue;
      const c = this.rgb[id]!;
      tiles.push({
        id,
        col: cell % this.cols,
        row: Math.floor(cell / this.cols),
        tint: this.tintOf(id),
        rgb: unpackRgb(c),
        event: this.eventOf(id),
      });
    }
    return tiles;
  }

  private tintOf(id: number): Tint {
    return { r: this.tint[3 * id]!, g: this.tint[3 * id + 1]!, b: this.tint[3 * id + 2]! };
  }

  private setTint(id: number, t: Tint): void {
    this.tint[3 * id] = t.r;
    this.tint[3 * id + 1] = t.g;
    this.tint[3 * id + 2] = t.b;
  }

  /** Grows every column to hold `id`. */
  private room(id: number): void {
    if (id < this.flags.length) return;
    let n = this.flags.length;
    while (n <= id) n *= 2;
    const grow = <T extends Uint8Array | Int16Array | Uint16Array | Uint32Array | Float64Array>(
      a: T,
      per = 1,
    ): T => {
      const b = new (a.constructor as new (n: number) => T)(n * per);
      b.set(a);
      return b;
    };
    this.flags = grow(this.flags);
    this.cellCol = grow(this.cellCol);
    this.cellRow = grow(this.cellRow);
    this.tint = grow(this.tint, 3);
    this.rgb = grow(this.rgb);
    this.event = grow(this.event);
    this.created = grow(this.created);
    this.phash = grow(this.phash, 2);
  }
}
