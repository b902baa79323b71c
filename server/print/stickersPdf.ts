import { type PDFPage, rgb } from 'pdf-lib';
import { cellLabel, HASHTAG, mmToPt, PAPERS, type Paper } from '../../shared/print.ts';
import type { MosaicPort } from '../core/port.ts';
import { renderTile } from '../ingest/compose.ts';
import { sharp } from '../ingest/sharp.ts';
import { centredText, fitSize, newPrintDoc } from './pdfBasics.ts';

/** Print resolution of a sticker's photo. */
const STICKER_DPI = 300;
const MARGIN = 10;
/** Room between stickers, where the cut marks go. */
const GAP = 6;
const MARK = 3;

export interface StickerSheets {
  pdf: Uint8Array;
  /** Tiles on the sheets, in arrival order. */
  ids: number[];
  /** Where the next run starts: the first tile not printed, or one past the last when it caught up. */
  next: number;
  /** Live tiles from `next` on that are waiting to be printed now. */
  remaining: number;
}

/** Rows and columns of stickers on a page, and the label band under each tile (mm). */
export function stickerGrid(paper: Paper, tile: number) {
  const [w, h] = PAPERS[paper];
  const label = Math.min(14, Math.max(6, tile * 0.24));
  const across = Math.max(1, Math.floor((w - 2 * MARGIN + GAP) / (tile + GAP)));
  const down = Math.max(1, Math.floor((h - 2 * MARGIN - 6 + GAP) / (tile + label + GAP)));
  return { w, h, label, across, down };
}

/** Short lines out from each corner of a sticker, in the gap around it. */
function cutMarks(page: PDFPage, x: number, y: number, w: number, h: number) {
  const line = (x1: number, y1: number, x2: number, y2: number) =>
    page.drawLine({
      start: { x: mmToPt(x1), y: mmToPt(y1) },
      end: { x: mmToPt(x2), y: mmToPt(y2) },
      thickness: 0.3,
      color: rgb(0, 0, 0),
    });
  for (const cx of [x, x + w])
    for (const cy of [y, y + h]) {
      const dx = cx === x ? -1 : 1;
      const dy = cy === y ? -1 : 1;
      line(cx + dx * 1, cy, cx + dx * (1 + MARK), cy);
      line(cx, cy + dy * 1, cx, cy + dy * (1 + MARK));
    }
}

/**
 * Sticker sheets: live tiles from id `from` on, in the order they arrived, each printed at
 * `tile` mm (its photo tinted as in the mosaic) with its cell label in large letters under
 * it, and cut marks at the corners of each sticker.
 */
export async function stickerSheets(
  service: MosaicPort,
  ask: { paper: Paper; tile: number; from: number; limit: number },
): Promise<StickerSheets> {
  const all = service.placements().filter((p) => p.id >= ask.from);
  const tiles = all.slice(0, ask.limit);
  const next = all[ask.limit]?.id ?? (tiles.length ? tiles[tiles.length - 1]!.id + 1 : ask.from);
  const g = stickerGrid(ask.paper, ask.tile);
  const perPage = g.across * g.down;
  const px = Math.round((ask.tile / 25.4) * STICKER_DPI);
  const { doc, regular, bold } = await newPrintDoc(`${HASHTAG} stickers`);
  const pages = Math.max(1, Math.ceil(tiles.length / perPage));
  const usedW = g.across * ask.tile + (g.across - 1) * GAP;
  const left = (g.w - usedW) / 2;
  const ids: number[] = [];
  for (let p = 0; p < pages; p++) {
    const page = doc.addPage([mmToPt(g.w), mmToPt(g.h)]);
    const onPage = tiles.slice(p * perPage, (p + 1) * perPage);
    const head = onPage.length
      ? `${HASHTAG} · #${onPage[0]!.id}–#${onPage[onPage.length - 1]!.id} · ${p + 1}/${pages}`
      : `${HASHTAG} · —`;
    centredText(page, regular, head, g.w / 2, g.h - MARGIN + 1, 3, rgb(0.3, 0.3, 0.3));
    for (let i = 0; i < onPage.length; i++) {
      const t = onPage[i]!;
      const raw = await renderTile((id, size) => service.readFile(id, size), t, px);
      if (!raw) continue;
      const jpeg = await sharp(raw, { raw: { width: px, height: px, channels: 3 } })
        .jpeg({ quality: 88 })
        .toBuffer();
      const img = await doc.embedJpg(jpeg);
      const x = left + (i % g.across) * (ask.tile + GAP);
      const top = g.h - MARGIN - 6 - Math.floor(i / g.across) * (ask.tile + g.label + GAP);
      const y = top - ask.tile - g.label;
      page.drawImage(img, {
        x: mmToPt(x),
        y: mmToPt(y + g.label),
        width: mmToPt(ask.tile),
        height: mmToPt(ask.tile),
      });
      const label = cellLabel(t.col, t.row);
      const size = fitSize(bold, label, ask.tile * 0.8, g.label * 0.85);
      centredText(page, bold, label, x + ask.tile / 2, y + (g.label - size * 0.72) / 2, size);
      const idSize = Math.min(2.2, g.label * 0.25);
      page.drawText(`#${t.id}`, {
        x: mmToPt(x + ask.tile) - regular.widthOfTextAtSize(`#${t.id}`, mmToPt(idSize)) - 1,
        y: mmToPt(y) + 1.5,
        size: mmToPt(idSize),
        font: regular,
        color: rgb(0.4, 0.4, 0.4),
      });
      cutMarks(page, x, y, ask.tile, ask.tile + g.label);
      ids.push(t.id);
    }
  }
  return {
    pdf: await doc.save({ useObjectStreams: false }),
    ids,
    next,
    remaining: Math.max(0, all.length - tiles.length),
  };
}
