import type { RallyLanguage } from '../../shared/rallies.ts';
import type { TimelapseLayout } from '../../shared/timelapse.ts';
import { formatCount, kissesWord } from '../print/mediaText.ts';
import { blit, type ComposeTile, type ReadRgb32, type ReadTile, tintedPixels } from './compose.ts';
import { sharp } from './sharp.ts';

/** The page's colours (client/styles/base.css): --bg, --text, --accent, --muted. */
const BG = '#14101c';
const TEXT = '#f6f2fb';
const ACCENT = '#ff4f9a';
const MUTED = '#b9aecb';

const escapeXml = (s: string) => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** What the bands say. */
export interface CanvasText {
  hashtag: string;
  /** The language of the counter (its digit groups and its word after the number, e.g. "kisses"). */
  lang: RallyLanguage;
}

/**
 * One video frame, kept from frame to frame: tiles are pasted into it as they arrive (so a
 * frame costs only the new tiles), the bands are drawn from SVG by sharp, and `frame()` hands
 * out a copy to encode. Raw RGB, width x height.
 */
export class TimelapseCanvas {
  private readonly pixels: Buffer;
  private readonly bands = new Map<string, Buffer>();
  private backdrop: Buffer = Buffer.alloc(0);

  constructor(
    readonly width: number,
    readonly height: number,
    private layout: TimelapseLayout,
    private readonly text: CanvasText,
  ) {
    this.pixels = Buffer.alloc(width * height * 3);
    this.pixels.fill(Buffer.from(BG.slice(1), 'hex'));
  }

  /** Lays the mosaic's empty background (the target dimmed, raw RGB at the mosaic's size). */
  background(raw: Buffer): void {
    const m = this.layout.mosaic;
    this.backdrop = raw;
    this.paste(raw, m.width, m.height, m.x, m.y);
  }

  /** Starts the frame afresh on another grid (the mosaic grew): empty, with that grid's background. */
  relayout(layout: TimelapseLayout, raw: Buffer): void {
    this.layout = layout;
    this.pixels.fill(Buffer.from(BG.slice(1), 'hex'));
    // The hashtag's band moves with the mosaic in a tall frame.
    this.bands.delete('h');
    this.background(raw);
  }

  /** Shows cells (col, row pairs) empty again: their part of the background. */
  clearCells(cells: Int32Array): void {
    const { cellPx, mosaic } = this.layout;
    for (let k = 0; k + 1 < cells.length; k += 2) {
      const x0 = cells[k]! * cellPx;
      const y0 = cells[k + 1]! * cellPx;
      for (let y = y0; y < y0 + cellPx; y++) {
        const from = (y * mosaic.width + x0) * 3;
        this.backdrop.copy(
          this.pixels,
          ((mosaic.y + y) * this.width + mosaic.x + x0) * 3,
          from,
          from + cellPx * 3,
        );
      }
    }
  }

  /**
   * Draws tiles at their cells, tinted as the export draws them (from their raw 32 px pixels
   * where `readRgb32` has them, else decoded); a tile gone meanwhile is skipped.
   */
  async addTiles(tiles: readonly ComposeTile[], read: ReadTile, readRgb32?: ReadRgb32): Promise<void> {
    const { cellPx, mosaic } = this.layout;
    await Promise.all(
      tiles.map(async (t) => {
        const px = await tintedPixels(read, t, cellPx, 3, readRgb32);
        if (!px) return;
        const x = mosaic.x + t.col * cellPx;
        const y = mosaic.y + t.row * cellPx;
        blit(this.pixels, this.width, this.height, px, cellPx, x, y, 3);
      }),
    );
  }

  /** Writes the counter (and, when they share a band, the hashtag) for `count` tiles. */
  async counter(count: number): Promise<void> {
    const { hashtag, counter } = this.layout;
    const shared = hashtag.y === counter.y;
    const key = `c${count}`;
    let band = this.bands.get(key);
    if (!band) {
      band = await this.band(counter.width, counter.height, shared, count);
      // Only the last few counts are drawn again (the count only grows).
      if (this.bands.size > 4) this.bands.delete(this.bands.keys().next().value!);
      this.bands.set(key, band);
    }
    this.paste(band, counter.width, counter.height, counter.x, counter.y);
    if (!shared && !this.bands.has('h')) {
      const top = await this.band(hashtag.width, hashtag.height, true, null);
      this.bands.set('h', top);
      this.paste(top, hashtag.width, hashtag.height, hashtag.x, hashtag.y);
    }
  }

  /** A copy of the frame as it stands, to hand to the encoder. */
  frame(): Buffer {
    return Buffer.from(this.pixels);
  }

  /** A band as raw RGB: the hashtag on the left (or alone), the counter on the right. */
  private async band(w: number, h: number, withTag: boolean, count: number | null): Promise<Buffer> {
    const size = Math.round(h * 0.42);
    const pad = Math.round(h * 0.4);
    const base = Math.round(h * 0.64);
    const tag = withTag
      ? `<text x="${count === null ? w / 2 : pad}" y="${base}" font-size="${size}" fill="${ACCENT}" font-weight="700" text-anchor="${count === null ? 'middle' : 'start'}">${escapeXml(this.text.hashtag)}</text>`
      : '';
    const n =
      count === null
        ? ''
        : `<text x="${withTag ? w - pad : w / 2}" y="${base}" text-anchor="${withTag ? 'end' : 'middle'}" font-size="${size}" fill="${TEXT}" font-weight="700">${escapeXml(formatCount(count, this.text.lang))}<tspan fill="${MUTED}" font-weight="400" font-size="${Math.round(size * 0.7)}" dx="${Math.round(size * 0.25)}">${escapeXml(kissesWord(count, this.text.lang))}</tspan></text>`;
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}"><rect width="100%" height="100%" fill="${BG}"/><g font-family="DejaVu Sans, Noto Sans, Liberation Sans, sans-serif">${tag}${n}</g></svg>`;
    return sharp(Buffer.from(svg)).removeAlpha().raw().toBuffer();
  }

  private paste(src: Buffer, w: number, h: number, x0: number, y0: number): void {
    for (let y = 0; y < h; y++) {
      src.copy(this.pixels, ((y0 + y) * this.width + x0) * 3, y * w * 3, (y + 1) * w * 3);
    }
  }
}
