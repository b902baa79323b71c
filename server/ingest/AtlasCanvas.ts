import { blit, type ComposeTile, type ReadTile, tintedPixels } from './compose.ts';
import { sharp } from './sharp.ts';

/** Tiles decoded at a time: sharp pipelines in flight for one block. */
const BATCH = 32;

/**
 * One atlas block (cells x cells tiles at tilePx each, tinted, empty cells transparent),
 * kept as raw RGBA together with the tile and tint drawn in each cell, so that bringing it
 * up to date after a change decodes only the cells whose tile or tint changed. A tile's
 * image never changes under its id (a new photo gets a new id), so id and tint say all.
 *
 * Why: each decode is a sharp pipeline of about 1-2 ms of CPU whatever a 32 px tile's size,
 * so a whole block of 256 tiles costs about half a second, and during a kiss-in every
 * landing in a block someone is looking at asked for exactly that (docs/BENCHMARKS.md).
 */
export class AtlasCanvas {
  readonly side: number;
  /** side x side RGBA; zero (transparent) where no tile is drawn. */
  readonly pixels: Buffer;
  /** Per cell (row-major): the tile and tint drawn there, or null for an empty cell. */
  private readonly drawn: (string | null)[];
  /** Per cell: bumped by {@link forget}, so that a decode already under way for that cell is not drawn. */
  private readonly generation: Uint32Array;

  constructor(
    readonly cells: number,
    readonly tilePx: number,
  ) {
    this.side = cells * tilePx;
    this.pixels = Buffer.alloc(this.side * this.side * 4);
    this.drawn = new Array(cells * cells).fill(null);
    this.generation = new Uint32Array(cells * cells);
  }

  /**
   * Brings the canvas to `tiles` (every live tile of the block whose top-left cell is col0,
   * row0): clears cells that emptied, decodes and draws only cells whose tile or tint
   * changed. A tile whose file is gone meanwhile leaves its cell empty. Returns how many
   * tiles it decoded. Calls must not overlap (the atlas cache runs them one after another).
   */
  async update(tiles: readonly ComposeTile[], col0: number, row0: number, read: ReadTile): Promise<number> {
    const want: (ComposeTile | null)[] = new Array(this.cells * this.cells).fill(null);
    for (const t of tiles) {
      const c = t.col - col0;
      const r = t.row - row0;
      if (c >= 0 && r >= 0 && c < this.cells && r < this.cells) want[r * this.cells + c] = t;
    }
    const todo: { cell: number; tile: ComposeTile; key: string }[] = [];
    want.forEach((t, cell) => {
      const key = t && `${t.id}:${t.tint.r},${t.tint.g},${t.tint.b}`;
      if (key === this.drawn[cell]) return;
      this.clear(cell);
      if (t && key) todo.push({ cell, tile: t, key });
    });
    for (let i = 0; i < todo.length; i += BATCH) {
      await Promise.all(
        todo.slice(i, i + BATCH).map(async ({ cell, tile, key }) => {
          const gen = this.generation[cell]!;
          const px = await tintedPixels(read, tile, this.tilePx, 4);
          if (!px || this.generation[cell] !== gen) return;
          const x = (cell % this.cells) * this.tilePx;
          const y = Math.floor(cell / this.cells) * this.tilePx;
          blit(this.pixels, this.side, this.side, px, this.tilePx, x, y, 4);
          this.drawn[cell] = key;
        }),
      );
    }
    return todo.length;
  }

  /**
   * Empties the cell at (col, row) of the block now, whatever is under way: what a removed
   * tile leaves behind is not kept in memory until the next update.
   */
  forget(col: number, row: number): void {
    if (col < 0 || row < 0 || col >= this.cells || row >= this.cells) return;
    const cell = row * this.cells + col;
    this.generation[cell]!++;
    this.clear(cell);
  }

  /** The block as WebP, as the viewer's middle zoom draws it. */
  encode(): Promise<Buffer> {
    return sharp(this.pixels, { raw: { width: this.side, height: this.side, channels: 4 } })
      .webp({ quality: 82, alphaQuality: 60, effort: 2 })
      .toBuffer();
  }

  private clear(cell: number): void {
    if (this.drawn[cell] === null) return;
    this.drawn[cell] = null;
    const x = (cell % this.cells) * this.tilePx;
    const y0 = Math.floor(cell / this.cells) * this.tilePx;
    for (let y = y0; y < y0 + this.tilePx; y++) {
      const at = (y * this.side + x) * 4;
      this.pixels.fill(0, at, at + this.tilePx * 4);
    }
  }
}

/** What {@link renderAtlas} draws. */
export interface AtlasOptions {
  /** Cells per side of the block. */
  cells: number;
  tilePx: number;
  /** Top-left cell of the block. */
  col0: number;
  row0: number;
  tiles: ComposeTile[];
  read: ReadTile;
}

/** A block drawn from nothing, every tile decoded: as WebP. */
export async function renderAtlas(o: AtlasOptions): Promise<Buffer> {
  const canvas = new AtlasCanvas(o.cells, o.tilePx);
  await canvas.update(o.tiles, o.col0, o.row0, o.read);
  return canvas.encode();
}
