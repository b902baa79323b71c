/**
 * Which version of each atlas block the board wants, and which changed cells it draws over the
 * block it holds instead (pure: DetailLayers asks, ImageLayer fetches).
 *
 * A cell that holds a tile after a change (a landing, or a swap that moved a tile there) can be
 * drawn over a held block from that tile's 32 px WebP: about a kilobyte, not the whole block
 * again. A cell left empty, a tile arriving where one was just deleted, a 32 px tile that failed
 * to load, or more than {@link MAX_PATCHES} such cells on one block need the block itself at the
 * seq of that change.
 */
import { ATLAS_CELLS } from '../../shared/httpApi.ts';

/** Most cells drawn over one held atlas block; one more fetches the block again. */
export const MAX_PATCHES = 24;

/** What to ask for one block in view. */
export interface BlockPlan {
  /** The version to want: the one held while only drawable changes came after it. */
  version: number;
  /** Cells to draw over the held block, each with the seq of its last change. */
  over: Array<[cell: number, seq: number]>;
}

export class AtlasVersions {
  private cols = 1;
  /** The seq every block is at, unless it changed since (`blockSeq`). */
  private seqBase = 0;
  /** Per block: the seq of its last change. */
  private readonly blockSeq = new Map<number, number>();
  /** Per block: the seq of its last change that only the block itself can show. */
  private readonly hardSeq = new Map<number, number>();
  /** Per block: cells drawn over it since it was fetched (cell -> seq of the cell's last change). */
  private readonly drawnOver = new Map<number, Map<number, number>>();

  /** A new layout at `seq` on a `cols`-wide grid: every block is wanted at `seq`. */
  relaid(cols: number, seq: number): void {
    this.cols = cols;
    this.seqBase = seq;
    this.blockSeq.clear();
    this.hardSeq.clear();
    this.drawnOver.clear();
  }

  /** The block a cell is in, numbered row-major over the grid's blocks. */
  blockOf(col: number, row: number): number {
    return Math.floor(row / ATLAS_CELLS) * this.blocksWide + Math.floor(col / ATLAS_CELLS);
  }

  get blocksWide(): number {
    return Math.ceil(this.cols / ATLAS_CELLS);
  }

  /**
   * A cell changed at `seq`. `drawable`: it holds a tile now that may be drawn over the block;
   * `held`: the board holds that block. Otherwise the block is needed at `seq`.
   */
  changed(col: number, row: number, seq: number, drawable: boolean, held: boolean): void {
    const block = this.blockOf(col, row);
    const cell = row * this.cols + col;
    this.blockSeq.set(block, seq);
    const cells = this.drawnOver.get(block);
    if (drawable && held) {
      const now = cells ?? new Map<number, number>();
      if (now.size < MAX_PATCHES || now.has(cell)) {
        now.set(cell, seq);
        this.drawnOver.set(block, now);
        return;
      }
    }
    cells?.delete(cell);
    this.hardSeq.set(block, seq);
  }

  /** A cell's 32 px tile could not be loaded: its block is needed at that change's seq. */
  failed(block: number, cell: number, seq: number): void {
    this.drawnOver.get(block)?.delete(cell);
    this.hardSeq.set(block, Math.max(this.hardSeq.get(block) ?? this.seqBase, seq));
  }

  /** Forgets the cells of blocks the board no longer holds: those blocks show them when fetched again. */
  keepHeld(held: (block: number) => boolean): void {
    for (const block of this.drawnOver.keys()) if (!held(block)) this.drawnOver.delete(block);
  }

  /** What to ask for `block`, of which the board holds version `loaded` (-1: none). */
  plan(block: number, loaded: number): BlockPlan {
    const cells = this.drawnOver.get(block);
    if (cells) {
      for (const [cell, seq] of cells) if (seq <= loaded) cells.delete(cell);
      if (cells.size === 0) this.drawnOver.delete(block);
    }
    const hard = this.hardSeq.get(block) ?? this.seqBase;
    if (loaded < 0 || loaded < hard) {
      // The block itself is fetched; what is drawn over the one held meanwhile is still true.
      return {
        version: this.blockSeq.get(block) ?? this.seqBase,
        over: loaded < 0 ? [] : [...(cells ?? [])],
      };
    }
    return { version: loaded, over: [...(cells ?? [])] };
  }
}
