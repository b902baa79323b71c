import type { TileSize } from '../../shared/httpApi.ts';
import { type ComposeTile, paintTinted, type ReadRgb32, type ReadTile } from './compose.ts';
import { sharp } from './sharp.ts';

/** Tiles decoded at a time, each its own sharp pipeline, when only a few cells changed. */
const BATCH = 32;
/** From this many changed cells on, their tiles are decoded in one sharp pipeline (`join`). */
const JOIN_FROM = 16;
/** The stored tile size an atlas is drawn from (its cells are this many px). */
const SOURCE: TileSize = 32;

/**
 * One atlas block (cells x cells tiles at tilePx each, tinted, empty cells transparent),
 * kept as raw RGBA together with the tile and tint drawn in each cell, so that bringing it
 * up to date after a change draws only the cells whose tile or tint changed. A tile's image
 * never changes under its id (a new photo gets a new id), so id and tint say all.
 *
 * Where a tile's raw 32 px pixels are stored (beside its WebPs, for tiles stored since they
 * are kept) they are copied in as they are. Otherwise its 32 px WebP is decoded, and each
 * decode is a sharp pipeline of 1-2 ms of CPU whatever the few pixels: many changed cells are
 * decoded together in one pipeline (sharp's join), a few one by one (docs/BENCHMARKS.md).
 */
export class AtlasCanvas {
  readonly side: number;
  /** side x side RGBA; zero (transparent) where no tile is drawn. */
  readonly pixels: Buffer;
  /** The same bytes, clamping what is written to 0..255 (a tinted channel). */
  private readonly clamped: Uint8ClampedArray;
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
    this.clamped = new Uint8ClampedArray(this.pixels.buffer, this.pixels.byteOffset, this.pixels.length);
    this.drawn = new Array(cells * cells).fill(null);
    this.generation = new Uint32Array(cells * cells);
  }

  /**
   * Brings the canvas to `tiles` (every live tile of the block whose top-left cell is col0,
   * row0): clears cells that emptied, decodes and draws only cells whose tile or tint
   * changed, from `readRgb32` where it has a tile's raw pixels. A tile whose file is gone
   * meanwhile leaves its cell empty. Returns how many cells it drew (or found gone). Calls
   * must not overlap (the atlas cache runs them one after another).
   */
  async update(
    tiles: readonly ComposeTile[],
    col0: number,
    row0: number,
    read: ReadTile,
    readRgb32?: ReadRgb32,
  ): Promise<number> {
    const want: (ComposeTile | null)[] = new Array(this.cells * this.cells).fill(null);
    for (const t of tiles) {
      const c = t.col - col0;
      const r = t.row - row0;
      if (c >= 0 && r >= 0 && c < this.cells && r < this.cells) want[r * this.cells + c] = t;
    }
    const todo: Job[] = [];
    want.forEach((t, cell) => {
      const key = t && `${t.id}:${t.tint.r},${t.tint.g},${t.tint.b}`;
      if (key === this.drawn[cell]) return;
      this.clear(cell);
      if (t && key) todo.push({ cell, tile: t, key, generation: this.generation[cell]! });
    });
    // Tiles stored with their raw 32 px pixels need no decode at all.
    let rest = todo;
    if (readRgb32 && this.tilePx === SOURCE) {
      const raw = await Promise.all(todo.map((job) => readRgb32(job.tile.id)));
      rest = todo.filter((job, i) => {
        const px = raw[i];
        if (px) this.paint(job, px, 0, SOURCE);
        return !px;
      });
    }
    if (rest.length >= JOIN_FROM && this.tilePx === SOURCE && (await this.drawJoined(rest, read)))
      return todo.length;
    for (let i = 0; i < rest.length; i += BATCH) {
      await Promise.all(
        rest.slice(i, i + BATCH).map(async (job) => {
          const file = await read(job.tile.id, SOURCE);
          if (!file) return;
          const px = this.tilePx;
          const rgb = await sharp(file)
            .resize(px, px, { kernel: px < SOURCE ? 'cubic' : 'lanczos3' })
            .removeAlpha()
            .raw()
            .toBuffer();
          this.paint(job, rgb, 0, px);
        }),
      );
    }
    return todo.length;
  }

  /**
   * Decodes every changed cell's tile in one sharp pipeline (the tiles side by side, 16 to
   * a row) and paints them from it: a pipeline per tile costs far more than its pixels.
   * False when the tiles cannot be joined (a file of another size): the caller decodes
   * them one by one, and a damaged file then fails there as it would alone.
   */
  private async drawJoined(todo: Job[], read: ReadTile): Promise<boolean> {
    const files = await Promise.all(todo.map((job) => read(job.tile.id, SOURCE)));
    const present = todo.flatMap((job, i) => (files[i] ? [{ job, file: files[i]! }] : []));
    if (!present.length) return true;
    const across = Math.min(ATLAS_JOIN_ACROSS, present.length);
    let strip: { data: Buffer; info: { width: number; height: number; channels: number } };
    try {
      strip = await sharp(
        present.map((p) => p.file),
        { join: { across } },
      )
        .removeAlpha()
        .raw()
        .toBuffer({ resolveWithObject: true });
    } catch {
      return false;
    }
    const px = this.tilePx;
    const rows = Math.ceil(present.length / across);
    if (strip.info.width !== across * px || strip.info.height !== rows * px || strip.info.channels !== 3)
      return false;
    present.forEach(({ job }, i) => {
      const at = (Math.floor(i / across) * px * strip.info.width + (i % across) * px) * 3;
      this.paint(job, strip.data, at, strip.info.width);
    });
    return true;
  }

  /**
   * Draws a job's tile from RGB pixels (px x px at `at`, `stride` px to a row) into its
   * cell, tint added and opaque, unless the cell was forgotten since the job began.
   */
  private paint(job: Job, rgb: Buffer, at: number, stride: number): void {
    if (this.generation[job.cell] !== job.generation) return;
    const px = this.tilePx;
    const x0 = (job.cell % this.cells) * px;
    const y0 = Math.floor(job.cell / this.cells) * px;
    paintTinted(this.clamped, this.side, 4, x0, y0, rgb, at, stride, px, job.tile.tint);
    this.drawn[job.cell] = job.key;
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

/** A changed cell to draw: its tile, and the cell's generation when the update began. */
interface Job {
  cell: number;
  tile: ComposeTile;
  key: string;
  generation: number;
}

/** Tiles to a row in the joined decode. */
const ATLAS_JOIN_ACROSS = 16;

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
  readRgb32?: ReadRgb32;
}

/** A block drawn from nothing, every tile read (and decoded where it has no raw pixels): as WebP. */
export async function renderAtlas(o: AtlasOptions): Promise<Buffer> {
  const canvas = new AtlasCanvas(o.cells, o.tilePx);
  await canvas.update(o.tiles, o.col0, o.row0, o.read, o.readRgb32);
  return canvas.encode();
}
