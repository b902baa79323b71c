/**
 * What the printed media share: the cell labels that stickers and the wall map both print,
 * paper sizes, and the limits of the print routes' parameters (README "Print and previews"):
 *   GET /api/mosaic/poster.{pdf,png,tiff}?size&dpi&bleed&orient&caption
 *   GET /api/admin/stickers.pdf?paper&tile&from&limit   (admin)
 *   GET /api/admin/wallmap.pdf?paper&cell                 (admin)
 *   GET /api/tiles/:id/card.png                           (the link preview of /t/:id)
 *
 * Pure TypeScript: no I/O, no Node or DOM APIs.
 */

/** ISO 216 sheet sizes in millimetres, portrait (width x height). */
export const POSTER_SIZES = {
  A0: [841, 1189],
  A1: [594, 841],
  A2: [420, 594],
  A3: [297, 420],
  A4: [210, 297],
} as const satisfies Record<string, readonly [number, number]>;

/** A named poster size. */
export type PosterSize = keyof typeof POSTER_SIZES;

/** Office paper for sticker sheets and the wall map, in millimetres, portrait. */
export const PAPERS = {
  A4: [210, 297],
  Letter: [215.9, 279.4],
} as const satisfies Record<string, readonly [number, number]>;

/** A paper name of {@link PAPERS}. */
export type Paper = keyof typeof PAPERS;

/** The poster resolutions offered, in dots per inch. */
export const POSTER_DPIS = [150, 300] as const;

/** What a print request that leaves a parameter out gets, and where the console's forms start. */
export const PRINT_DEFAULTS = {
  size: 'A2',
  dpi: 150,
  paper: 'A4',
  /** Sticker side, mm. */
  stickerMm: 40,
  /** Wall map cell side, mm. */
  cellMm: 15,
} as const satisfies {
  size: PosterSize;
  dpi: (typeof POSTER_DPIS)[number];
  paper: Paper;
  stickerMm: number;
  cellMm: number;
};

/** Limits of the print parameters, in millimetres unless said otherwise. */
export const PRINT_LIMITS = {
  /** Shortest and longest side of a custom poster (`<W>x<H>mm`). */
  posterMinMm: 50,
  posterMaxMm: 2000,
  /** Largest bleed around the trimmed poster. */
  bleedMaxMm: 20,
  /** Longest caption, in characters. */
  captionMax: 120,
  /** Sticker side. */
  stickerMinMm: 15,
  stickerMaxMm: 120,
  /** Stickers in one sheet PDF (the answer's X-Next-From continues the run). */
  stickersMax: 1000,
  /** Wall map cell side. */
  cellMinMm: 8,
  cellMaxMm: 40,
  /** Pages in one wall map. */
  wallmapMaxPages: 400,
} as const;

/** The hashtag printed on the poster and the preview card. */
export const HASHTAG = '#kiss4lgbtqrights';

/** Millimetres to PDF points (1/72 inch). */
export function mmToPt(mm: number): number {
  return (mm / 25.4) * 72;
}

/**
 * The letters of a row, counted from 0 at the top: A…Z, then AA…AZ, BA… (bijective base 26),
 * so that no label is a prefix of a longer one's letters and every row has one.
 */
export function rowLetters(row: number): string {
  if (!Number.isInteger(row) || row < 0) throw new RangeError(`bad row ${row}`);
  let n = row + 1;
  let s = '';
  while (n > 0) {
    const r = (n - 1) % 26;
    s = String.fromCharCode(65 + r) + s;
    n = Math.floor((n - 1) / 26);
  }
  return s;
}

/**
 * The label of a cell, as a sticker and the wall map both print it: the row's letters then
 * the column counted from 1 (`A1` is the top-left cell, `C12` the third row's twelfth).
 * Letters then digits read unambiguously across a room and never need a separator.
 */
export function cellLabel(col: number, row: number): string {
  if (!Number.isInteger(col) || col < 0) throw new RangeError(`bad column ${col}`);
  return `${rowLetters(row)}${col + 1}`;
}

/** The cell of a label made by {@link cellLabel}, or null for anything else. */
export function parseCellLabel(label: string): { col: number; row: number } | null {
  const m = /^([A-Z]{1,4})([1-9][0-9]{0,4})$/.exec(label.trim().toUpperCase());
  if (!m) return null;
  let row = 0;
  for (const ch of m[1]!) row = row * 26 + (ch.charCodeAt(0) - 64);
  return { col: Number(m[2]) - 1, row: row - 1 };
}
