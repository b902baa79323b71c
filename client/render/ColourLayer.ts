import { BufferImageSource, Container, Sprite, Texture } from 'pixi.js';
import { type CellArrays, paintCells } from './cellPaint.ts';

/** Cells per side of one colour chunk texture (1 texel per cell, 4 MiB at most). */
export const CHUNK = 1024;

interface Chunk {
  x: number;
  y: number;
  w: number;
  h: number;
  data: Uint8Array;
  source: BufferImageSource;
  sprite: Sprite;
  dirty: boolean;
}

/**
 * The far level of detail: one texel per cell holding the tile's tinted mean colour,
 * split into CHUNK x CHUNK textures so any grid fits under the GPU's texture size limit.
 * A change rewrites 4 bytes and re-uploads one chunk on the next frame.
 */
export class ColourLayer {
  readonly container = new Container();
  private chunks: Chunk[] = [];
  private nearest = true;

  constructor(
    readonly cols: number,
    readonly rows: number,
  ) {
    for (let y = 0; y < rows; y += CHUNK) {
      for (let x = 0; x < cols; x += CHUNK) {
        const w = Math.min(CHUNK, cols - x);
        const h = Math.min(CHUNK, rows - y);
        const data = new Uint8Array(w * h * 4);
        const source = new BufferImageSource({
          resource: data,
          width: w,
          height: h,
          format: 'rgba8unorm',
          alphaMode: 'premultiplied-alpha',
          scaleMode: 'nearest',
        });
        const sprite = new Sprite(new Texture({ source }));
        sprite.position.set(x, y);
        sprite.width = w;
        sprite.height = h;
        this.container.addChild(sprite);
        this.chunks.push({ x, y, w, h, data, source, sprite, dirty: false });
      }
    }
  }

  private chunkOf(col: number, row: number): Chunk {
    const perRow = Math.ceil(this.cols / CHUNK);
    return this.chunks[Math.floor(row / CHUNK) * perRow + Math.floor(col / CHUNK)]!;
  }

  /** Sets one cell's colour (alpha 0 = empty, shows the target beneath). */
  set(col: number, row: number, r: number, g: number, b: number, a = 255): void {
    const ch = this.chunkOf(col, row);
    const i = ((row - ch.y) * ch.w + (col - ch.x)) * 4;
    const k = a / 255;
    ch.data[i] = r * k;
    ch.data[i + 1] = g * k;
    ch.data[i + 2] = b * k;
    ch.data[i + 3] = a;
    ch.dirty = true;
  }

  /** Paints every cell at once from cell-major arrays; see {@link paintCells}. */
  paintAll(m: CellArrays): void {
    for (const ch of this.chunks) {
      paintCells(ch.data, ch.x, ch.y, ch.w, ch.h, m);
      ch.dirty = true;
    }
  }

  clear(col: number, row: number): void {
    this.set(col, row, 0, 0, 0, 0);
  }

  /** Reads a cell back as [r, g, b, a] (premultiplied). */
  get(col: number, row: number): [number, number, number, number] {
    const ch = this.chunkOf(col, row);
    const i = ((row - ch.y) * ch.w + (col - ch.x)) * 4;
    return [ch.data[i]!, ch.data[i + 1]!, ch.data[i + 2]!, ch.data[i + 3]!];
  }

  /** Uploads the chunks changed since the last frame; returns how many. */
  flush(): number {
    let n = 0;
    for (const ch of this.chunks) {
      if (!ch.dirty) continue;
      ch.dirty = false;
      ch.source.update();
      n++;
    }
    return n;
  }

  /** Nearest sampling shows crisp cells close in; linear smooths the far overview. */
  setCellPx(cellPx: number): void {
    const nearest = cellPx >= 1.5;
    if (nearest === this.nearest) return;
    this.nearest = nearest;
    for (const ch of this.chunks) ch.source.scaleMode = nearest ? 'nearest' : 'linear';
  }

  /** A full mosaic has no transparent cell: drawing without blending skips reading the framebuffer. */
  setOpaque(opaque: boolean): void {
    for (const ch of this.chunks) ch.sprite.blendMode = opaque ? 'none' : 'normal';
  }

  get bytes(): number {
    return this.cols * this.rows * 4;
  }

  destroy(): void {
    this.container.destroy({ children: true, texture: true, textureSource: true });
    this.chunks = [];
  }
}
