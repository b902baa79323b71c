import { HASHTAG } from '../../shared/print.ts';
import type { RallyLanguage } from '../../shared/rallies.ts';
import type { MosaicPort } from '../core/port.ts';
import { dimmedTarget, renderRegion } from '../ingest/compose.ts';
import { sharp } from '../ingest/sharp.ts';
import type { Target } from '../ingest/target.ts';
import { fontFile } from './fontFile.ts';
import { formatCount, kissesWord, MEDIA_TEXT } from './mediaText.ts';

/** The link preview's size, as Open Graph and Twitter cards want it. */
export const CARD = { width: 1200, height: 630 } as const;
/** Cells per side of the neighbourhood shown around the tile. */
const AROUND = 7;
const CELL_PX = 86;
const PAD = 14;
/** The page's colours (client/styles/base.css): --bg, --text, --accent, --muted. */
const BG = { r: 0x14, g: 0x10, b: 0x1c };
const RING = [0xff, 0x4f, 0x9a] as const;

/** A block of cells: where a card looked, so that a change there can drop it. */
export interface CellBlock {
  col: number;
  row: number;
  cols: number;
  rows: number;
}

/** The neighbourhood drawn around a tile: AROUND x AROUND cells, slid inside the grid. */
export function cardBlock(cols: number, rows: number, col: number, row: number): CellBlock {
  const n = (size: number) => Math.min(AROUND, size);
  const start = (at: number, size: number) => Math.max(0, Math.min(size - n(size), at - (AROUND >> 1)));
  return { col: start(col, cols), row: start(row, rows), cols: n(cols), rows: n(rows) };
}

/** Draws a ring of `width` px around a cell of a raw RGB picture. */
function ring(data: Buffer, w: number, x0: number, y0: number, side: number, width: number) {
  for (let y = y0 - width; y < y0 + side + width; y++)
    for (let x = x0 - width; x < x0 + side + width; x++) {
      const inside = x >= x0 && x < x0 + side && y >= y0 && y < y0 + side;
      if (inside || x < 0 || y < 0 || x >= w || (y * w + x) * 3 >= data.length) continue;
      data.set(RING, (y * w + x) * 3);
    }
}

/** Text set as Pango markup, wrapped at `width` (none: one line). */
async function text(markup: string, bold: boolean, width?: number): Promise<Buffer> {
  const { data } = await textWithSize(markup, bold, width);
  return data;
}

function textWithSize(markup: string, bold: boolean, width?: number) {
  return sharp({
    text: {
      text: markup,
      fontfile: fontFile(bold),
      font: bold ? 'DejaVu Sans Bold' : 'DejaVu Sans',
      ...(width ? { width } : {}),
      rgba: true,
      dpi: 72,
    },
  })
    .png()
    .toBuffer({ resolveWithObject: true });
}

/** One line of text at `pt`, or smaller so that it fits `width` (a count's digit groups must not wrap). */
async function oneLine(
  markup: (pt: number) => string,
  bold: boolean,
  pt: number,
  width: number,
): Promise<Buffer> {
  const first = await textWithSize(markup(pt), bold);
  if (first.info.width <= width) return first.data;
  return text(markup(Math.floor((pt * width) / first.info.width)), bold);
}

/**
 * A tile's link-preview card (1200 x 630 PNG): the tile ringed inside its neighbourhood of
 * the mosaic (live tiles only), the hashtag, the mosaic's count and, only when the contributor
 * gave one, the rally (`event`: a registered rally's city, else its code). Text is set in DejaVu Sans from its own file, so the card looks
 * the same on any machine. Nothing but our own pixels: no metadata of any photo.
 */
export async function renderCard(
  service: MosaicPort,
  target: Target,
  tile: { id: number; col: number; row: number; event: string | null },
  lang: RallyLanguage = 'en',
): Promise<{ png: Buffer; block: CellBlock }> {
  const b = cardBlock(service.cols, service.rows, tile.col, tile.row);
  const rect = { x: b.col * CELL_PX, y: b.row * CELL_PX, width: b.cols * CELL_PX, height: b.rows * CELL_PX };
  const block = await renderRegion({
    cols: service.cols,
    rows: service.rows,
    tilePx: CELL_PX,
    rect,
    tiles: service.liveIn(b.col, b.row, b.cols, b.rows),
    read: (id, size) => service.readFile(id, size),
    background: await dimmedTarget(target, service.cols * CELL_PX, service.rows * CELL_PX, rect),
  });
  ring(block, rect.width, (tile.col - b.col) * CELL_PX, (tile.row - b.row) * CELL_PX, CELL_PX, 6);
  const side = CARD.height - 2 * PAD;
  const left = PAD + Math.round((side - rect.width) / 2);
  const top = PAD + Math.round((side - rect.height) / 2);
  const textX = PAD + side + 40;
  const textW = CARD.width - textX - 40;
  const n = service.tileCount;
  const count = escapeMarkup(formatCount(n, lang));
  const parts = [
    { input: block, raw: { width: rect.width, height: rect.height, channels: 3 as const }, left, top },
    {
      input: await text(`<span foreground="#f6f2fb" size="44pt">${HASHTAG}</span>`, true, textW),
      left: textX,
      top: 150,
    },
    {
      input: await oneLine(
        (pt) => `<span foreground="#ff4f9a" size="${pt}pt">\u2665 ${count}</span>`,
        true,
        96,
        textW,
      ),
      left: textX,
      top: 240,
    },
    {
      input: await text(
        `<span foreground="#f6f2fb" size="36pt">${escapeMarkup(kissesWord(n, lang))}</span>`,
        false,
        textW,
      ),
      left: textX,
      top: 380,
    },
  ];
  if (tile.event)
    parts.push({
      input: await text(
        `<span foreground="#b9aecb" size="32pt">${escapeMarkup(MEDIA_TEXT[lang].rally(tile.event))}</span>`,
        false,
        textW,
      ),
      left: textX,
      top: 460,
    });
  const png = await sharp({ create: { width: CARD.width, height: CARD.height, channels: 3, background: BG } })
    .composite(parts)
    .png({ compressionLevel: 7 })
    .toBuffer();
  return { png, block: b };
}

/** Text for Pango markup. */
function escapeMarkup(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
