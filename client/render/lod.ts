/**
 * Level-of-detail decisions, pure so they are unit-tested:
 * colour texels always, tinted atlases at middle zoom, real photos close in.
 */

import { ATLAS_CELLS } from '../../shared/httpApi.ts';

/** Cells per atlas block side, as the server's `/api/mosaic` sends them in `atlasCells`. */
export { ATLAS_CELLS };

export interface LodThresholds {
  /** Screen px per cell from which atlases (32 px per cell) are drawn. */
  atlasFromPx: number;
  /** Device px per cell from which 128 px photos replace the atlas. */
  photo128FromPx: number;
  /** Device px per cell from which the 512 px photo is used. */
  photo512FromPx: number;
}

export const DEFAULT_LOD: LodThresholds = { atlasFromPx: 10, photo128FromPx: 48, photo512FromPx: 180 };

export type PhotoSize = 0 | 128 | 512;

/** Which photo size to draw at this zoom (0 = none). `devicePx` is screen px per cell times the pixel ratio. */
export function photoSizeFor(devicePx: number, lod: LodThresholds = DEFAULT_LOD): PhotoSize {
  if (devicePx >= lod.photo512FromPx) return 512;
  if (devicePx >= lod.photo128FromPx) return 128;
  return 0;
}

export function atlasesVisible(cssPx: number, lod: LodThresholds = DEFAULT_LOD): boolean {
  return cssPx >= lod.atlasFromPx;
}

/** The atlas blocks touching a cell rectangle, nearest to its centre first. */
export function blocksInView(
  c0: number,
  r0: number,
  c1: number,
  r1: number,
  cells: number = ATLAS_CELLS,
): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  const bx0 = Math.floor(c0 / cells);
  const by0 = Math.floor(r0 / cells);
  const bx1 = Math.ceil(c1 / cells);
  const by1 = Math.ceil(r1 / cells);
  for (let by = by0; by < by1; by++) for (let bx = bx0; bx < bx1; bx++) out.push([bx, by]);
  const mx = (c0 + c1) / 2 / cells - 0.5;
  const my = (r0 + r1) / 2 / cells - 0.5;
  out.sort((a, b) => Math.hypot(a[0] - mx, a[1] - my) - Math.hypot(b[0] - mx, b[1] - my));
  return out;
}

/** The visible cells, as inclusive-exclusive bounds (camera.ts `visibleCells`). */
export interface CellRect {
  c0: number;
  r0: number;
  c1: number;
  r1: number;
}

/** Most atlas blocks one view draws (a view needing more shows the colour layer under them). */
export const MAX_ATLASES = 96;
/** Most photos one view draws. */
export const MAX_PHOTOS = 400;

/** The atlas blocks a view needs, and whether they are all of the blocks in view. */
export interface AtlasPlan {
  blocks: Array<[number, number]>;
  all: boolean;
}

/**
 * The atlas blocks to draw at `cssPx` screen px per cell: none below the atlas zoom, else
 * those in view, nearest the centre first, at most `max`.
 */
export function planAtlases(
  cssPx: number,
  v: CellRect,
  max = MAX_ATLASES,
  lod: LodThresholds = DEFAULT_LOD,
): AtlasPlan {
  if (!atlasesVisible(cssPx, lod)) return { blocks: [], all: false };
  const blocks = blocksInView(v.c0, v.r0, v.c1, v.r1);
  return { blocks: blocks.slice(0, max), all: blocks.length <= max };
}

/** The photos a view needs: their size, their cells, and whether they fill the view. */
export interface PhotoPlan {
  size: PhotoSize;
  /** Filled cells in view, nearest the centre first, at most the limit. */
  cells: number[];
  /** Every cell in view holds a tile and all of them are in `cells`. */
  full: boolean;
}

/**
 * The photos to draw at `devicePx` device px per cell: none from afar, else the filled cells
 * in view (`filled(cell)`, cells row-major in a `cols`-wide grid), nearest the centre first.
 */
export function planPhotos(
  devicePx: number,
  v: CellRect,
  cols: number,
  filled: (cell: number) => boolean,
  max = MAX_PHOTOS,
  lod: LodThresholds = DEFAULT_LOD,
): PhotoPlan {
  const size = photoSizeFor(devicePx, lod);
  if (size === 0) return { size, cells: [], full: false };
  const cells: number[] = [];
  for (let r = v.r0; r < v.r1; r++)
    for (let c = v.c0; c < v.c1; c++) if (filled(r * cols + c)) cells.push(r * cols + c);
  const full = cells.length === (v.c1 - v.c0) * (v.r1 - v.r0) && cells.length <= max;
  const mx = (v.c0 + v.c1) / 2;
  const my = (v.r0 + v.r1) / 2;
  const d = (c: number) => Math.hypot((c % cols) - mx, Math.floor(c / cols) - my);
  cells.sort((a, b) => d(a) - d(b));
  return { size, cells: cells.slice(0, max), full };
}

/** Adds an additive sRGB offset to RGBA pixels in place, clamping to 0..255. */
export function applyTint(px: Uint8ClampedArray | Uint8Array, r: number, g: number, b: number): void {
  if (r === 0 && g === 0 && b === 0) return;
  for (let i = 0; i < px.length; i += 4) {
    px[i] = Math.min(255, Math.max(0, px[i]! + r));
    px[i + 1] = Math.min(255, Math.max(0, px[i + 1]! + g));
    px[i + 2] = Math.min(255, Math.max(0, px[i + 2]! + b));
  }
}
