import { POSTER_SIZES, type PosterSize } from '../../shared/print.ts';

/** The poster's file formats. */
export const POSTER_FORMATS = ['pdf', 'png', 'tiff'] as const;
export type PosterFormat = (typeof POSTER_FORMATS)[number];

/** What a poster request asks for, validated (see printParams.ts). */
export interface PosterAsk {
  /** A named ISO size, or a custom trimmed size in millimetres. */
  size: PosterSize | { width: number; height: number };
  dpi: number;
  bleed: number;
  orient: 'auto' | 'portrait' | 'landscape';
  caption: string | null;
}

/** A rectangle in millimetres from the page's bottom-left corner (PDF's axes). */
export interface MmRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Where everything on a poster goes. All lengths in millimetres, the page including its bleed. */
export interface PosterLayout {
  page: { width: number; height: number };
  /** The trimmed sheet inside the bleed. */
  trim: MmRect;
  /** The mosaic picture, drawn at exactly `dpi`. */
  image: MmRect;
  /** The picture's pixels. */
  px: { width: number; height: number };
  /** Pixels per cell when the picture is drawn cell by cell; 0 when it is scaled down from 1 px a cell. */
  cellPx: number;
  /** Baselines and sizes (mm of the font's em) of the hashtag and the caption, centred on the page. */
  hashtag: { y: number; size: number };
  caption: { y: number; size: number } | null;
}

/** Pictures above this many pixels are refused: about A0 at 300 dpi with room to spare. */
export const MAX_POSTER_PIXELS = 250_000_000;

/** The trimmed size of a poster, turned as asked (auto: landscape for a wide mosaic). */
export function trimSize(ask: PosterAsk, cols: number, rows: number): { width: number; height: number } {
  const [w, h] = typeof ask.size === 'string' ? POSTER_SIZES[ask.size] : [ask.size.width, ask.size.height];
  const wide =
    ask.orient === 'landscape' || (ask.orient === 'auto' && typeof ask.size === 'string' && cols > rows);
  const tall =
    ask.orient === 'portrait' || (ask.orient === 'auto' && typeof ask.size === 'string' && cols <= rows);
  if (wide) return { width: Math.max(w, h), height: Math.min(w, h) };
  if (tall) return { width: Math.min(w, h), height: Math.max(w, h) };
  return { width: w, height: h };
}

/**
 * The poster's layout: a margin of 5 % of the short side, a footer band for the hashtag and
 * the caption, and the mosaic as large as fits above it, at a whole number of pixels per cell
 * where it can be (so every tile is drawn at one size, with no resampling of the whole).
 */
export function posterLayout(ask: PosterAsk, cols: number, rows: number): PosterLayout {
  const trimWH = trimSize(ask, cols, rows);
  const b = ask.bleed;
  const short = Math.min(trimWH.width, trimWH.height);
  const margin = short * 0.05;
  const footer = short * (ask.caption ? 0.1 : 0.07);
  const areaW = trimWH.width - 2 * margin;
  const areaH = trimWH.height - 2 * margin - footer;
  const aspect = cols / rows;
  const fitW = Math.min(areaW, areaH * aspect);
  const pxPerMm = ask.dpi / 25.4;
  const wantW = Math.max(cols >= 1 ? 1 : 0, Math.floor(fitW * pxPerMm));
  const cellPx = Math.floor(wantW / cols);
  const px =
    cellPx >= 1
      ? { width: cols * cellPx, height: rows * cellPx }
      : { width: wantW, height: Math.max(1, Math.round(wantW / aspect)) };
  const imgW = px.width / pxPerMm;
  const imgH = px.height / pxPerMm;
  const areaTop = b + trimWH.height - margin;
  const areaBottom = b + margin + footer;
  const image = {
    x: b + (trimWH.width - imgW) / 2,
    y: areaBottom + (areaTop - areaBottom - imgH) / 2,
    width: imgW,
    height: imgH,
  };
  const hashtagSize = short * 0.035;
  const captionSize = short * 0.02;
  return {
    page: { width: trimWH.width + 2 * b, height: trimWH.height + 2 * b },
    trim: { x: b, y: b, width: trimWH.width, height: trimWH.height },
    image,
    px,
    cellPx: Math.max(0, cellPx),
    hashtag: { y: b + margin + (ask.caption ? captionSize * 1.9 : footer * 0.25), size: hashtagSize },
    caption: ask.caption ? { y: b + margin + captionSize * 0.3, size: captionSize } : null,
  };
}
