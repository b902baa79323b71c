import type { MosaicBoard } from '../render/MosaicBoard.ts';

/**
 * The event screen's highlight: zoom toward a new tile, hold, and go back out; or, for
 * people who ask for reduced motion (`still`), outline the tile where it is and hold,
 * with no camera flight. The marked cell is on <body data-highlight="col,row"> for tests.
 * A bounded queue (newest wins), so a burst of arrivals never piles up memory or time.
 */
export class Highlighter {
  private queue: number[] = [];
  private busy = false;
  private static readonly MAX_QUEUE = 8;

  constructor(
    private readonly board: MosaicBoard,
    private readonly still: () => boolean = () => false,
    private readonly holdMs = 2200,
  ) {}

  /** Queues a cell index to highlight. */
  push(cell: number): void {
    this.queue.push(cell);
    if (this.queue.length > Highlighter.MAX_QUEUE)
      this.queue.splice(0, this.queue.length - Highlighter.MAX_QUEUE);
    if (!this.busy) this.next();
  }

  /** Drops what is queued (after a re-layout every cell index changed). */
  clear(): void {
    this.queue.length = 0;
  }

  get pending(): number {
    return this.queue.length;
  }

  private next(): void {
    const cell = this.queue.shift();
    if (cell === undefined) {
      this.busy = false;
      return;
    }
    this.busy = true;
    const b = this.board;
    const col = cell % b.cols;
    const row = Math.floor(cell / b.cols);
    this.mark(col, row);
    const done = (): void => {
      this.mark(null);
      this.next();
    };
    if (this.still()) {
      setTimeout(done, this.holdMs);
      return;
    }
    const v = b.viewport;
    // Close enough to see the photo, but never deeper than a fifth of the screen per tile.
    const cellPx = Math.min(v.width, v.height) / 5;
    b.flyTo(col, row, cellPx, 1800, () => {
      setTimeout(() => b.overview(1500, done), this.holdMs);
    });
  }

  private mark(col: number | null, row = 0): void {
    this.board.mark(col, row);
    if (col === null) delete document.body.dataset.highlight;
    else document.body.dataset.highlight = `${col},${row}`;
  }
}
