/**
 * What the camera needs, decided without PixiJS or the network so it is unit-tested: which
 * tiles of the live colour pyramid to draw (and at which version), and which blocks of cells
 * to load. The board draws what the plan says; the page fetches what it asks for.
 */
import {
  type ColourPyramid,
  colourTileKey,
  levelGrid,
  tileSpan,
  tileVersion,
} from '../../shared/mosaic/colourPyramid.ts';
import { type CameraState, type Viewport, visibleCells } from './camera.ts';
import { atlasesVisible, blocksInView, DEFAULT_LOD, type LodThresholds } from './lod.ts';

/** One colour pyramid tile to draw, in world (cell) units. */
export interface PlannedTile {
  key: string;
  level: number;
  tx: number;
  ty: number;
  version: number;
  /** Top-left cell and side in cells (the tile is square; past the grid it is transparent). */
  x: number;
  y: number;
  size: number;
}

/** The colour pyramid tiles for a camera. */
export interface ColourPlan {
  /** The level drawn: the coarsest whose pixels are no bigger than the screen's CSS pixels. */
  level: number;
  /** That level's tiles in view, nearest the centre first. */
  tiles: PlannedTile[];
  /** The top tile (the whole mosaic), drawn beneath while the others load. */
  top: PlannedTile;
}

function planned(
  p: ColourPyramid,
  versions: ArrayLike<number>,
  level: number,
  tx: number,
  ty: number,
): PlannedTile {
  const span = tileSpan(level);
  const t = { level, tx, ty };
  return {
    key: colourTileKey(t),
    level,
    tx,
    ty,
    version: tileVersion(p, versions, t),
    x: tx * span,
    y: ty * span,
    size: span,
  };
}

/**
 * The level whose one pixel covers as many cells as one CSS pixel shows, or fewer: level 0
 * (a pixel per cell) once a cell is a CSS pixel or more. `scale` is CSS px per cell.
 */
export function colourLevelFor(p: ColourPyramid, scale: number): number {
  if (scale >= 1) return 0;
  return Math.max(0, Math.min(p.top, Math.floor(Math.log2(1 / scale))));
}

/** The colour pyramid tiles a camera needs. */
export function planColour(
  p: ColourPyramid,
  versions: ArrayLike<number>,
  cam: CameraState,
  view: Viewport,
): ColourPlan {
  const level = colourLevelFor(p, cam.scale);
  const v = visibleCells(cam, view, p.cols, p.rows);
  const span = tileSpan(level);
  const g = levelGrid(p, level);
  const tiles: PlannedTile[] = [];
  if (v.c1 > v.c0 && v.r1 > v.r0) {
    const tx1 = Math.min(g.cols, Math.ceil(v.c1 / span));
    const ty1 = Math.min(g.rows, Math.ceil(v.r1 / span));
    for (let ty = Math.floor(v.r0 / span); ty < ty1; ty++)
      for (let tx = Math.floor(v.c0 / span); tx < tx1; tx++) tiles.push(planned(p, versions, level, tx, ty));
  }
  const mx = (v.c0 + v.c1) / 2;
  const my = (v.r0 + v.r1) / 2;
  const d = (t: PlannedTile) => Math.hypot(t.x + t.size / 2 - mx, t.y + t.size / 2 - my);
  tiles.sort((a, b) => d(a) - d(b));
  return { level, tiles, top: planned(p, versions, p.top, 0, 0) };
}

/** Cells a side of a block of cells loaded at once. */
export const REGION_CELLS = 32;

/** Options of {@link planRegions}. */
export interface RegionOptions {
  /** Load cells once atlases show (CSS px per cell), as the photos need every tile's id. */
  lod?: LodThresholds;
  /** Most blocks one view asks for. */
  maxBlocks?: number;
}

/**
 * The blocks of cells ({@link REGION_CELLS} a side, numbered row-major) the camera needs and
 * `have` lacks, nearest the centre first: none from afar, where the pyramid draws
 * everything, and those in view once tiles are big enough to show photos.
 */
export function planRegions(
  cam: CameraState,
  view: Viewport,
  cols: number,
  rows: number,
  have: (block: number) => boolean,
  opts: RegionOptions = {},
): number[] {
  if (!atlasesVisible(cam.scale, opts.lod ?? DEFAULT_LOD)) return [];
  const v = visibleCells(cam, view, cols, rows);
  const perRow = Math.ceil(cols / REGION_CELLS);
  const out: number[] = [];
  for (const [bx, by] of blocksInView(v.c0, v.r0, v.c1, v.r1, REGION_CELLS)) {
    const b = by * perRow + bx;
    if (!have(b)) out.push(b);
    if (out.length >= (opts.maxBlocks ?? 64)) break;
  }
  return out;
}

/** The cells of a block: its top-left cell and size, cut to the grid. */
export function regionBlock(
  cols: number,
  rows: number,
  block: number,
): { col: number; row: number; cols: number; rows: number } {
  const perRow = Math.ceil(cols / REGION_CELLS);
  const col = (block % perRow) * REGION_CELLS;
  const row = Math.floor(block / perRow) * REGION_CELLS;
  return { col, row, cols: Math.min(REGION_CELLS, cols - col), rows: Math.min(REGION_CELLS, rows - row) };
}

/** The block a cell is in. */
export function regionOfCell(cols: number, col: number, row: number): number {
  return Math.floor(row / REGION_CELLS) * Math.ceil(cols / REGION_CELLS) + Math.floor(col / REGION_CELLS);
}
