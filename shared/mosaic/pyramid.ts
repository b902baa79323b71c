/**
 * The export pyramid's geometry, as Deep Zoom (DZI) and IIIF Image API 3.0 viewers see it:
 * which levels exist, which pixels of a level a tile covers, which cells of the grid those
 * pixels show, and which IIIF region and size name each tile.
 *
 * The deepest level is the whole mosaic at {@link Pyramid.cellPx} px per cell; every level
 * above halves it (sizes rounded up, as Deep Zoom does), down to level 0 at 1x1 px. Tiles
 * are {@link PYRAMID_TILE} px squares with no overlap, the last ones in a row or column cut
 * short.
 *
 * Pure TypeScript: no I/O, no Node or DOM APIs.
 */

/** Side of a pyramid tile, in px (no overlap). */
export const PYRAMID_TILE = 256;

/** Px per cell at the deepest level when the mosaic is small enough: the largest stored tile size. */
export const DEEP_CELL_PX = 512;

/**
 * The most pixels the deepest level may hold (1 gigapixel, about 16,000 tiles). A bigger grid
 * gets fewer px per cell (a smaller power of two), so a full export stays a size one can host.
 */
export const MAX_DEEP_PIXELS = 2 ** 30;

/** A pixel rectangle. */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The pyramid of a cols x rows mosaic. */
export interface Pyramid {
  cols: number;
  rows: number;
  /** Px per cell at the deepest level: a power of two, at most {@link DEEP_CELL_PX}. */
  cellPx: number;
  /** Size of the deepest level, in px. */
  width: number;
  height: number;
  /** The deepest level's number; level 0 is 1x1. */
  maxLevel: number;
}

/** The pyramid of a cols x rows grid: 512 px per cell, or the largest power of two within {@link MAX_DEEP_PIXELS}. */
export function pyramidOf(cols: number, rows: number): Pyramid {
  let cellPx = DEEP_CELL_PX;
  while (cellPx > 1 && cols * cellPx * rows * cellPx > MAX_DEEP_PIXELS) cellPx /= 2;
  const width = cols * cellPx;
  const height = rows * cellPx;
  return { cols, rows, cellPx, width, height, maxLevel: Math.ceil(Math.log2(Math.max(width, height))) };
}

/** Size of a level's image: the deepest level halved once per level above it, rounded up. */
export function levelSize(p: Pyramid, level: number): { width: number; height: number } {
  const f = 2 ** (p.maxLevel - level);
  return { width: Math.ceil(p.width / f), height: Math.ceil(p.height / f) };
}

/** Px per cell at a level; below 1 once a pixel covers more than one cell. */
export function levelCellPx(p: Pyramid, level: number): number {
  return p.cellPx / 2 ** (p.maxLevel - level);
}

/** How many tiles a level has across and down. */
export function levelTiles(p: Pyramid, level: number): { cols: number; rows: number } {
  const s = levelSize(p, level);
  return { cols: Math.ceil(s.width / PYRAMID_TILE), rows: Math.ceil(s.height / PYRAMID_TILE) };
}

/** Whether a level exists and names a whole number. */
export function isLevel(p: Pyramid, level: number): boolean {
  return Number.isInteger(level) && level >= 0 && level <= p.maxLevel;
}

/** The pixels of its level that a tile covers, or null when there is no such tile. */
export function tileRect(p: Pyramid, level: number, col: number, row: number): Rect | null {
  if (!isLevel(p, level) || !Number.isInteger(col) || !Number.isInteger(row)) return null;
  const n = levelTiles(p, level);
  if (col < 0 || row < 0 || col >= n.cols || row >= n.rows) return null;
  const s = levelSize(p, level);
  const x = col * PYRAMID_TILE;
  const y = row * PYRAMID_TILE;
  return { x, y, width: Math.min(PYRAMID_TILE, s.width - x), height: Math.min(PYRAMID_TILE, s.height - y) };
}

/** The block of grid cells whose pixels fall in `rect` at `cellPx` px per cell (all of them when below 1). */
export function cellsUnder(
  p: Pyramid,
  rect: Rect,
  cellPx: number,
): { col: number; row: number; cols: number; rows: number } {
  if (cellPx < 1) return { col: 0, row: 0, cols: p.cols, rows: p.rows };
  const col = Math.floor(rect.x / cellPx);
  const row = Math.floor(rect.y / cellPx);
  return {
    col,
    row,
    cols: Math.min(p.cols, Math.ceil((rect.x + rect.width) / cellPx)) - col,
    rows: Math.min(p.rows, Math.ceil((rect.y + rect.height) / cellPx)) - row,
  };
}

/**
 * The IIIF scale factors of the pyramid: 1, 2, 4... up to the first that fits the whole
 * image in one tile. Scale factor s is Deep Zoom level maxLevel - log2(s).
 */
export function iiifScaleFactors(p: Pyramid): number[] {
  const out = [1];
  while (Math.ceil(Math.max(p.width, p.height) / out[out.length - 1]!) > PYRAMID_TILE)
    out.push(out[out.length - 1]! * 2);
  return out;
}

/** A tile's IIIF Image API 3.0 region and size, as a level-0 service names them. */
export function iiifTileName(
  p: Pyramid,
  level: number,
  col: number,
  row: number,
): { region: string; size: string } {
  const s = 2 ** (p.maxLevel - level);
  const r = tileRect(p, level, col, row);
  if (!r) throw new RangeError(`no tile ${level}/${col}_${row}`);
  const x = col * PYRAMID_TILE * s;
  const y = row * PYRAMID_TILE * s;
  const w = Math.min(PYRAMID_TILE * s, p.width - x);
  const h = Math.min(PYRAMID_TILE * s, p.height - y);
  const region = x === 0 && y === 0 && w === p.width && h === p.height ? 'full' : `${x},${y},${w},${h}`;
  const size = r.width === p.width && r.height === p.height ? 'max' : `${r.width},${r.height}`;
  return { region, size };
}

const NUM = '(0|[1-9][0-9]{0,9})';
const REGION = new RegExp(`^(?:full|${NUM},${NUM},${NUM},${NUM})$`);
const SIZE = new RegExp(`^(?:max|${NUM},${NUM}?)$`);

/**
 * The tile an IIIF region and size name, or null when they name none of the tiles the
 * info.json lists (a level-0 service serves only those). Takes the canonical `w,h` size,
 * the `w,` form older clients send, `max` for full size and the `full` region.
 */
export function iiifTileAt(
  p: Pyramid,
  region: string,
  size: string,
): { level: number; col: number; row: number } | null {
  if (!REGION.test(region) || !SIZE.test(size)) return null;
  const [x, y, w, h] = region === 'full' ? [0, 0, p.width, p.height] : region.split(',').map(Number);
  for (const s of iiifScaleFactors(p)) {
    const span = PYRAMID_TILE * s;
    if (x! % span || y! % span) continue;
    if (w !== Math.min(span, p.width - x!) || h !== Math.min(span, p.height - y!)) continue;
    const level = p.maxLevel - Math.log2(s);
    const col = x! / span;
    const row = y! / span;
    const r = tileRect(p, level, col, row);
    if (!r) continue;
    if (size === 'max') {
      if (s === 1 && r.width === p.width && r.height === p.height) return { level, col, row };
      continue;
    }
    const [sw, sh] = size.split(',');
    if (Number(sw) === r.width && (sh === '' || Number(sh) === r.height)) return { level, col, row };
  }
  return null;
}

/** The Deep Zoom descriptor (`.dzi`) of a pyramid whose tiles are in `format` ("png", "jpg"). */
export function deepZoomXml(p: Pyramid, format: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Image xmlns="http://schemas.microsoft.com/deepzoom/2008" Format="${format}" Overlap="0" TileSize="${PYRAMID_TILE}">` +
    `<Size Width="${p.width}" Height="${p.height}"/></Image>\n`
  );
}

/** An IIIF Image API 3.0 `info.json` of a level-0 service. */
export interface IiifInfo {
  '@context': 'http://iiif.io/api/image/3/context.json';
  id: string;
  type: 'ImageService3';
  protocol: 'http://iiif.io/api/image';
  profile: 'level0';
  width: number;
  height: number;
  tiles: { width: number; scaleFactors: number[] }[];
  preferredFormats: string[];
  extraFormats: string[];
}

/**
 * The pyramid as a level-0 IIIF image service at `id` (an absolute URL, no trailing slash):
 * its tiles are `{id}/{region}/{size}/0/default.{format}` for the names {@link iiifTileName}
 * gives. `formats` are the formats served, preferred first; `jpg`, which level 0 requires,
 * is not listed as extra.
 */
export function iiifInfo(p: Pyramid, id: string, formats: readonly string[]): IiifInfo {
  return {
    '@context': 'http://iiif.io/api/image/3/context.json',
    id,
    type: 'ImageService3',
    protocol: 'http://iiif.io/api/image',
    profile: 'level0',
    width: p.width,
    height: p.height,
    tiles: [{ width: PYRAMID_TILE, scaleFactors: iiifScaleFactors(p) }],
    preferredFormats: [...formats],
    extraFormats: formats.filter((f) => f !== 'jpg'),
  };
}
