import type { MosaicPort } from '../core/port.ts';
import type { ChangedCells } from '../core/TileBook.ts';

/** A block of grid cells. */
export interface CellBlock {
  col: number;
  row: number;
  cols: number;
  rows: number;
}

/**
 * Which versions of the export are still what this node would draw. A pyramid URL may carry
 * `?v=<seq>`; its answer is cached as immutable, so it may be served only while no cell under
 * it has changed since that seq (a deleted tile must never come back from a cache key that
 * looks current). Each cell keeps the seq of its last change; a growth, or anything before
 * this process started, counts as a change of every cell.
 */
export class ExportVersions {
  private cols: number;
  private rows: number;
  private changedAt: Float64Array;
  private allChangedAt: number;
  private readonly dirty: ChangedCells[] = [];
  private readonly unsubscribe: () => void;

  constructor(private readonly service: MosaicPort) {
    this.cols = service.cols;
    this.rows = service.rows;
    this.changedAt = new Float64Array(this.cols * this.rows);
    this.allChangedAt = service.seq;
    // Cells are told before or after the seq moves, depending on the kind of node; stamping
    // once the commit is done never dates a change earlier than it happened.
    this.unsubscribe = service.subscribeCells((cells) => {
      this.dirty.push(cells);
      queueMicrotask(() => this.stamp());
    });
  }

  /** Whether the pixels of `block` (the whole grid when absent) are the same now as at version `v`. */
  holds(v: number, block?: CellBlock): boolean {
    this.stamp();
    if (v > this.service.seq || v < this.allChangedAt) return false;
    if (!block) return true;
    for (let r = block.row; r < block.row + block.rows; r++) {
      for (let c = block.col; c < block.col + block.cols; c++) {
        if (this.changedAt[r * this.cols + c]! > v) return false;
      }
    }
    return true;
  }

  private stamp() {
    if (!this.dirty.length) return;
    const seq = this.service.seq;
    const grown = this.service.cols !== this.cols || this.service.rows !== this.rows;
    if (grown || this.dirty.includes(null)) {
      this.cols = this.service.cols;
      this.rows = this.service.rows;
      this.changedAt = new Float64Array(this.cols * this.rows);
      this.allChangedAt = seq;
    } else {
      for (const cells of this.dirty) for (const [c, r] of cells!) this.changedAt[r * this.cols + c] = seq;
    }
    this.dirty.length = 0;
  }

  close() {
    this.unsubscribe();
  }
}
