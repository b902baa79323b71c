import {
  cellsUnder,
  levelCellPx,
  levelSize,
  type Pyramid,
  pyramidOf,
  type Rect,
  tileRect,
} from '../../shared/mosaic/pyramid.ts';
import type { MosaicPort } from '../core/port.ts';
import { dimmedTarget, renderRegion } from '../ingest/compose.ts';
import { sharp } from '../ingest/sharp.ts';
import type { Target } from '../ingest/target.ts';

/** The formats a pyramid tile is served in: PNG (lossless, what the descriptor names) or JPEG. */
export const PYRAMID_FORMATS = ['png', 'jpg'] as const;
export type PyramidFormat = (typeof PYRAMID_FORMATS)[number];

/** Backgrounds of levels up to this many pixels are rasterised whole once and cut from memory. */
const WHOLE_BACKGROUND_PX = 4096 * 4096;
/** Bytes of whole backgrounds kept. */
const BACKGROUND_BUDGET = 96 * 1024 * 1024;

/**
 * The export pyramid's tiles, rendered on demand from the live mosaic with the same renderer
 * as export.png: a tile decodes only the cells under it, at its level's scale, so deep levels
 * of a big mosaic stay cheap. Levels below 1 px per cell are the 1 px per cell picture
 * (kept while the seq holds) scaled down. Deleted and pending tiles are in no level: only
 * live tiles are drawn.
 */
export class PyramidTiles {
  private readonly backgrounds = new Map<string, Promise<Buffer>>();
  private backgroundBytes = 0;
  private onePx: { key: string; data: Promise<Buffer> } | null = null;

  constructor(
    private readonly service: MosaicPort,
    private readonly target: Target,
  ) {}

  /** The pyramid of the grid as it is now. */
  get pyramid(): Pyramid {
    return pyramidOf(this.service.cols, this.service.rows);
  }

  /** One tile as raw RGB, or null when the pyramid has no such tile. */
  async raw(level: number, col: number, row: number): Promise<{ rect: Rect; data: Buffer } | null> {
    const p = this.pyramid;
    const rect = tileRect(p, level, col, row);
    if (!rect) return null;
    const px = levelCellPx(p, level);
    if (px >= 1) return { rect, data: await this.region(p, px, rect) };
    const size = levelSize(p, level);
    const data = await sharp(await this.onePxPicture(p), {
      raw: { width: p.cols, height: p.rows, channels: 3 },
    })
      .resize(size.width, size.height, { fit: 'fill', kernel: 'lanczos3' })
      .extract({ left: rect.x, top: rect.y, width: rect.width, height: rect.height })
      .raw()
      .toBuffer();
    return { rect, data };
  }

  /** One tile encoded, or null when the pyramid has no such tile. */
  async encoded(level: number, col: number, row: number, format: PyramidFormat): Promise<Buffer | null> {
    const t = await this.raw(level, col, row);
    if (!t) return null;
    const img = sharp(t.data, { raw: { width: t.rect.width, height: t.rect.height, channels: 3 } });
    return (format === 'png' ? img.png({ compressionLevel: 6 }) : img.jpeg({ quality: 90 })).toBuffer();
  }

  private async region(p: Pyramid, px: number, rect: Rect): Promise<Buffer> {
    const c = cellsUnder(p, rect, px);
    return renderRegion({
      cols: p.cols,
      rows: p.rows,
      tilePx: px,
      rect,
      tiles: this.service.liveIn(c.col, c.row, c.cols, c.rows),
      read: (id, size) => this.service.readFile(id, size),
      readRgb32: (id) => this.service.readRgb32(id),
      background: await this.background(p.cols * px, p.rows * px, rect),
    });
  }

  private onePxPicture(p: Pyramid): Promise<Buffer> {
    const key = `${this.service.seq}:${p.cols}x${p.rows}`;
    if (this.onePx?.key !== key) {
      const data = this.region(p, 1, { x: 0, y: 0, width: p.cols, height: p.rows });
      data.catch(() => {
        if (this.onePx?.data === data) this.onePx = null;
      });
      this.onePx = { key, data };
    }
    return this.onePx.data;
  }

  /** The dimmed target under `rect` of a width x height level, fresh (renderRegion draws into it). */
  private async background(width: number, height: number, rect: Rect): Promise<Buffer> {
    if (width * height > WHOLE_BACKGROUND_PX) return dimmedTarget(this.target, width, height, rect);
    const whole = await this.wholeBackground(width, height);
    const out = Buffer.allocUnsafe(rect.width * rect.height * 3);
    for (let y = 0; y < rect.height; y++) {
      const from = ((rect.y + y) * width + rect.x) * 3;
      whole.copy(out, y * rect.width * 3, from, from + rect.width * 3);
    }
    return out;
  }

  private wholeBackground(width: number, height: number): Promise<Buffer> {
    const key = `${width}x${height}`;
    const hit = this.backgrounds.get(key);
    if (hit) {
      this.backgrounds.delete(key);
      this.backgrounds.set(key, hit);
      return hit;
    }
    const made = dimmedTarget(this.target, width, height);
    this.backgrounds.set(key, made);
    this.backgroundBytes += width * height * 3;
    made.catch(() => {
      if (this.backgrounds.get(key) === made) this.drop(key);
    });
    for (const [k] of this.backgrounds) {
      if (this.backgroundBytes <= BACKGROUND_BUDGET || k === key) break;
      this.drop(k);
    }
    return made;
  }

  private drop(key: string) {
    const [w, h] = key.split('x').map(Number);
    this.backgroundBytes -= w! * h! * 3;
    this.backgrounds.delete(key);
  }
}
