import { rgb } from 'pdf-lib';
import {
  cellLabel,
  HASHTAG,
  mmToPt,
  PAPERS,
  type Paper,
  PRINT_LIMITS,
  rowLetters,
} from '../../shared/print.ts';
import type { MosaicPort } from '../core/port.ts';
import { AppError } from '../errors.ts';
import type { Target } from '../ingest/target.ts';
import { centredText, fitSize, newPrintDoc } from './pdfBasics.ts';

const MARGIN = 10;
/** Width of the row letters on the left and height of the column numbers on top. */
const AXIS_W = 10;
const AXIS_H = 6;
const HEAD = 7;

/** How the grid splits into pages: cells per page across and down, and page counts. */
export function wallmapPages(paper: Paper, cell: number, cols: number, rows: number) {
  const [w, h] = PAPERS[paper];
  const across = Math.max(1, Math.floor((w - 2 * MARGIN - AXIS_W) / cell));
  const down = Math.max(1, Math.floor((h - 2 * MARGIN - HEAD - AXIS_H) / cell));
  const pagesAcross = Math.ceil(cols / across);
  const pagesDown = Math.ceil(rows / down);
  return { w, h, across, down, pagesAcross, pagesDown, pages: pagesAcross * pagesDown };
}

/**
 * The wall map: the whole grid, split over as many pages as it needs, each cell with the same
 * label as its sticker (shared/print.ts) over a pale version of its target colour, so that
 * volunteers see where the picture goes; row letters and column numbers run along each page.
 */
export async function wallmapPdf(
  service: MosaicPort,
  target: Target,
  ask: { paper: Paper; cell: number },
): Promise<{ pdf: Uint8Array; pages: number }> {
  const { cols, rows } = service;
  const l = wallmapPages(ask.paper, ask.cell, cols, rows);
  if (l.pages > PRINT_LIMITS.wallmapMaxPages)
    throw new AppError(
      400,
      'BAD_PRINT_OPTIONS',
      `A ${cols}x${rows} grid at ${ask.cell} mm a cell needs ${l.pages} pages (at most ${PRINT_LIMITS.wallmapMaxPages}); choose smaller cells.`,
    );
  const colours = (await target.raster(cols, rows)).data;
  const { doc, regular, bold } = await newPrintDoc(`${HASHTAG} wall map`);
  const line = rgb(0.55, 0.55, 0.6);
  for (let pr = 0; pr < l.pagesDown; pr++) {
    for (let pc = 0; pc < l.pagesAcross; pc++) {
      const page = doc.addPage([mmToPt(l.w), mmToPt(l.h)]);
      const c0 = pc * l.across;
      const r0 = pr * l.down;
      const c1 = Math.min(cols, c0 + l.across);
      const r1 = Math.min(rows, r0 + l.down);
      const head = `${HASHTAG} · ${rowLetters(r0)}–${rowLetters(r1 - 1)} × ${c0 + 1}–${c1} · ${pr * l.pagesAcross + pc + 1}/${l.pages}`;
      centredText(page, regular, head, l.w / 2, l.h - MARGIN - 4, 3.5, rgb(0.2, 0.2, 0.2));
      const x0 = MARGIN + AXIS_W;
      const top = l.h - MARGIN - HEAD - AXIS_H;
      const labelSize = fitSize(bold, cellLabel(cols - 1, rows - 1), ask.cell * 0.82, ask.cell * 0.3);
      for (let c = c0; c < c1; c++) {
        const s = String(c + 1);
        centredText(
          page,
          bold,
          s,
          x0 + (c - c0 + 0.5) * ask.cell,
          top + 1.5,
          fitSize(bold, s, ask.cell * 0.9, 3.5),
        );
      }
      for (let r = r0; r < r1; r++) {
        const y = top - (r - r0 + 1) * ask.cell;
        const s = rowLetters(r);
        centredText(
          page,
          bold,
          s,
          MARGIN + AXIS_W / 2,
          y + ask.cell / 2 - 1.2,
          fitSize(bold, s, AXIS_W * 0.9, 3.5),
        );
        for (let c = c0; c < c1; c++) {
          const i = (r * cols + c) * 3;
          // A pale tint of the target colour keeps every label dark-on-light (contrast above 7:1).
          const pale = (v: number) => 1 - (1 - v / 255) * 0.3;
          page.drawRectangle({
            x: mmToPt(x0 + (c - c0) * ask.cell),
            y: mmToPt(y),
            width: mmToPt(ask.cell),
            height: mmToPt(ask.cell),
            color: rgb(pale(colours[i]!), pale(colours[i + 1]!), pale(colours[i + 2]!)),
            borderColor: line,
            borderWidth: 0.4,
          });
          centredText(
            page,
            bold,
            cellLabel(c, r),
            x0 + (c - c0 + 0.5) * ask.cell,
            y + ask.cell / 2 - labelSize * 0.36,
            labelSize,
            rgb(0.1, 0.1, 0.12),
          );
        }
      }
    }
  }
  return { pdf: await doc.save({ useObjectStreams: false }), pages: l.pages };
}
