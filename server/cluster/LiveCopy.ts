import type { Placement } from '../../shared/mosaic/types.ts';
import { Listeners } from '../core/listeners.ts';
import type { LogChange } from '../core/logChange.ts';
import { type ChangedCells, TileBook, type TileRecord } from '../core/TileBook.ts';
import type { LiveCells, LiveSnapshot, LiveSource } from '../realtime/source.ts';
import type { MosaicMeta } from '../store/types.ts';
import type { LiveChunk } from './loadLive.ts';

/**
 * A node's own copy of the live mosaic, kept by applying the change log in seq order. It
 * is the live layer's source (snapshots and replays for this node's viewers are served
 * from it) and answers every read the HTTP routes make about live tiles, without asking
 * the placer or the database.
 */
export class LiveCopy implements LiveSource {
  private book = new TileBook();
  private readonly listeners = new Listeners<readonly LogChange[]>('change');
  private readonly seqWaiters: { seq: number; resolve: () => void }[] = [];
  cols: number;
  rows: number;
  seq: number;

  /** A copy of nothing yet: {@link load} fills it. */
  constructor(
    meta: MosaicMeta,
    /** See LiveSource.epoch. */
    readonly epoch: number,
  ) {
    this.cols = meta.cols;
    this.rows = meta.rows;
    this.seq = meta.seq;
  }

  /** Loads a copy from live tiles read a chunk of columns at a time (see loadLive.ts). */
  static async load(read: (each: (chunk: LiveChunk) => void) => Promise<MosaicMeta>): Promise<LiveCopy> {
    const book = new TileBook();
    const meta = await read((c) => book.rememberColumns(c.cols, c.count, c.events));
    const copy = new LiveCopy(meta, meta.epoch ?? 0);
    copy.book = book;
    // Every remembered tile is live at its cell, with its tint as placed: the grid comes from the book.
    copy.book.indexCells(meta.cols, meta.rows);
    return copy;
  }

  get tileCount(): number {
    // Only live tiles are held: a removed one is forgotten.
    return this.book.size;
  }

  /**
   * Applies log entries in order; entries at or below the current seq are skipped. Returns
   * false (applying nothing more) at a gap: the caller fetches what is missing first.
   */
  apply(changes: readonly LogChange[]): boolean {
    const fresh: LogChange[] = [];
    for (const c of changes) {
      if (c.seq <= this.seq) continue;
      if (c.seq !== this.seq + 1) {
        this.publish(fresh);
        return false;
      }
      if (c.type === 'placed') {
        this.book.remember({
          id: c.id,
          status: 'live',
          col: c.col,
          row: c.row,
          tint: c.tint,
          event: c.event,
          createdAt: c.createdAt,
          rgb: c.rgb,
          phash: null,
        });
      }
      if (c.type === 'grown') {
        this.cols = c.cols;
        this.rows = c.rows;
      }
      const placements = c.type === 'grown' ? c.placements : [];
      this.book.apply([c], { cols: this.cols, rows: this.rows, placements: () => placements });
      if (c.type === 'removed') this.book.delete(c.id);
      this.seq = c.seq;
      fresh.push(c);
    }
    this.publish(fresh);
    return true;
  }

  private publish(fresh: LogChange[]) {
    if (!fresh.length) return;
    this.listeners.emit(fresh);
    for (let i = this.seqWaiters.length - 1; i >= 0; i--) {
      const w = this.seqWaiters[i]!;
      if (w.seq <= this.seq) {
        this.seqWaiters.splice(i, 1);
        w.resolve();
      }
    }
  }

  /** Resolves once the copy has applied `seq` (or after `ms`, whichever comes first). */
  reached(seq: number, ms: number): Promise<void> {
    if (this.seq >= seq) return Promise.resolve();
    return new Promise((resolve) => {
      this.seqWaiters.push({ seq, resolve });
      setTimeout(resolve, ms).unref();
    });
  }

  /** A live tile's record. */
  get(id: number): TileRecord | undefined {
    const t = this.book.get(id);
    return t && t.col >= 0 ? t : undefined;
  }

  all(): IterableIterator<TileRecord> {
    return this.book.all();
  }

  liveIn(...block: Parameters<TileBook['liveIn']>): ReturnType<TileBook['liveIn']> {
    return this.book.liveIn(...block);
  }

  placements(): Placement[] {
    return [...this.book.placements()];
  }

  subscribeCells(listener: (cells: ChangedCells) => void): () => void {
    return this.book.changedCells.add(listener);
  }

  // LiveSource
  snapshot(): LiveSnapshot {
    return { cols: this.cols, rows: this.rows, seq: this.seq, tiles: this.book.liveTiles() };
  }

  snapshotCells(): LiveCells {
    return this.book.cells(this.seq);
  }

  subscribe(listener: (changes: readonly LogChange[]) => void): () => void {
    return this.listeners.add(listener);
  }
}
