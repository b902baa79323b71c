/**
 * The live colour pyramid's geometry: the viewer's far levels of detail, one pixel per cell
 * (each tile's tinted mean colour) and coarser, down to the whole mosaic in one tile.
 *
 * Level j draws one pixel per 2^j x 2^j cells. Every tile is {@link COLOUR_TILE} px square
 * (cells past the grid's edge are transparent), so a tile of level j covers
 * `COLOUR_TILE * 2^j` cells a side. The top level is the first whose whole grid fits one tile.
 *
 * Versions: a tile's version is the seq of the last change to any cell under it. The server
 * keeps one version per block (a level-0 tile, 256 x 256 cells); a tile of level j takes the
 * largest version of the blocks it covers, so a viewer given the block versions can name
 * every tile's current URL.
 *
 * Pure TypeScript: no I/O, no Node or DOM APIs.
 */

/** Side of a colour pyramid tile, in px. */
export const COLOUR_TILE = 256;

/** A mosaic's colour pyramid. */
export interface ColourPyramid {
  cols: number;
  rows: number;
  /** The coarsest level: its one tile holds the whole grid. */
  top: number;
  /** Blocks (level-0 tiles) across and down. */
  blockCols: number;
  blockRows: number;
}

/** A tile of the colour pyramid. */
export interface ColourTileId {
  level: number;
  tx: number;
  ty: number;
}

/** The colour pyramid of a cols x rows grid. */
export function colourPyramidOf(cols: number, rows: number): ColourPyramid {
  let top = 0;
  while (Math.ceil(Math.max(cols, rows) / 2 ** top) > COLOUR_TILE) top++;
  return {
    cols,
    rows,
    top,
    blockCols: Math.max(1, Math.ceil(cols / COLOUR_TILE)),
    blockRows: Math.max(1, Math.ceil(rows / COLOUR_TILE)),
  };
}

/** Cells a side that one tile of `level` covers. */
export function tileSpan(level: number): number {
  return COLOUR_TILE * 2 ** level;
}

/** Tiles across and down at a level. */
export function levelGrid(p: ColourPyramid, level: number): { cols: number; rows: number } {
  const span = tileSpan(level);
  return { cols: Math.max(1, Math.ceil(p.cols / span)), rows: Math.max(1, Math.ceil(p.rows / span)) };
}

/** Whether a tile exists in the pyramid. */
export function hasColourTile(p: ColourPyramid, t: ColourTileId): boolean {
  if (!Number.isInteger(t.level) || t.level < 0 || t.level > p.top) return false;
  const g = levelGrid(p, t.level);
  return (
    Number.isInteger(t.tx) &&
    Number.isInteger(t.ty) &&
    t.tx >= 0 &&
    t.ty >= 0 &&
    t.tx < g.cols &&
    t.ty < g.rows
  );
}

/** A colour pyramid tile's URL at a version (served by server/http/viewRoutes.ts). */
export function colourTileUrl(level: number, tx: number, ty: number, version: number): string {
  return `/api/mosaic/pyramid/${level}/${tx}_${ty}.webp?v=${version}`;
}

/** The block (level-0 tile) index of a cell. */
export function blockOfCell(p: ColourPyramid, col: number, row: number): number {
  return Math.floor(row / COLOUR_TILE) * p.blockCols + Math.floor(col / COLOUR_TILE);
}

/**
 * The tiles whose pixels a change of cell (col, row) alters: one per level, from level 0 to
 * the top. These, and only these, are re-rendered.
 */
export function tilesOfCell(p: ColourPyramid, col: number, row: number): ColourTileId[] {
  const out: ColourTileId[] = [];
  for (let level = 0; level <= p.top; level++) {
    const span = tileSpan(level);
    out.push({ level, tx: Math.floor(col / span), ty: Math.floor(row / span) });
  }
  return out;
}

/** A tile's version: the largest version of the blocks it covers (block-major `versions`). */
export function tileVersion(p: ColourPyramid, versions: ArrayLike<number>, t: ColourTileId): number {
  const k = 2 ** t.level;
  let v = 0;
  const bx1 = Math.min(p.blockCols, (t.tx + 1) * k);
  const by1 = Math.min(p.blockRows, (t.ty + 1) * k);
  for (let by = t.ty * k; by < by1; by++)
    for (let bx = t.tx * k; bx < bx1; bx++) v = Math.max(v, versions[by * p.blockCols + bx] ?? 0);
  return v;
}

/** The key a tile is cached and drawn under: `level/tx_ty`. */
export function colourTileKey(t: ColourTileId): string {
  return `${t.level}/${t.tx}_${t.ty}`;
}

/** The tile a key from {@link colourTileKey} names. */
export function colourTileOfKey(key: string): ColourTileId {
  const [level, tx, ty] = key.split(/[/_]/).map(Number) as [number, number, number];
  return { level, tx, ty };
}

/**
 * Renders one tile as straight-alpha RGBA (COLOUR_TILE x COLOUR_TILE x 4 bytes): each pixel
 * is the mean colour of the filled cells under it, its alpha the share of them that are
 * filled. `colour(cell)` gives a cell's colour as 0xRRGGBB, or -1 when it is empty.
 */
export function renderColourTile(
  p: ColourPyramid,
  t: ColourTileId,
  colour: (cell: number) => number,
): Uint8Array {
  const out = new Uint8Array(COLOUR_TILE * COLOUR_TILE * 4);
  const k = 2 ** t.level;
  const c0 = t.tx * COLOUR_TILE * k;
  const r0 = t.ty * COLOUR_TILE * k;
  const w = Math.min(COLOUR_TILE, Math.ceil((p.cols - c0) / k));
  const h = Math.min(COLOUR_TILE, Math.ceil((p.rows - r0) / k));
  for (let y = 0; y < h; y++) {
    const ra = r0 + y * k;
    const rb = Math.min(p.rows, ra + k);
    for (let x = 0; x < w; x++) {
      const ca = c0 + x * k;
      const cb = Math.min(p.cols, ca + k);
      let r = 0;
      let g = 0;
      let b = 0;
      let n = 0;
      for (let row = ra; row < rb; row++) {
        for (let col = ca; col < cb; col++) {
          const c = colour(row * p.cols + col);
          if (c < 0) continue;
          r += c >>> 16;
          g += (c >>> 8) & 255;
          b += c & 255;
          n++;
        }
      }
      if (!n) continue;
      const o = (y * COLOUR_TILE + x) * 4;
      out[o] = Math.round(r / n);
      out[o + 1] = Math.round(g / n);
      out[o + 2] = Math.round(b / n);
      out[o + 3] = Math.round((255 * n) / ((rb - ra) * (cb - ca)));
    }
  }
  return out;
}
