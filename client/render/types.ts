/** Plain values the board draws; the pages translate network messages into these. */

/** Images the board asks for; the page supplies them (from client/net), the board never fetches. */
export type BoardImage = ImageBitmap | HTMLCanvasElement | OffscreenCanvas | HTMLImageElement;

export interface BoardImages {
  /** A 16x16-cell block at 32 px per cell, tint applied, empty cells transparent. */
  atlas(ax: number, ay: number, version: number, signal: AbortSignal): Promise<BoardImage>;
  /** A tile's untinted photo at 32 (drawn over its atlas block after a change), 128 or 512 px. */
  photo(id: number, size: 32 | 128 | 512, signal: AbortSignal): Promise<BoardImage>;
  /** A tile of the live colour pyramid at a version (see shared/mosaic/colourPyramid.ts). */
  colourTile?(
    level: number,
    tx: number,
    ty: number,
    version: number,
    signal: AbortSignal,
  ): Promise<BoardImage>;
}

/** A placed tile as the board reports it (taps, permalinks). */
export interface BoardTile {
  id: number;
  col: number;
  row: number;
  /** Untinted mean colour, 0xRRGGBB. */
  rgb: number;
  tint: { r: number; g: number; b: number };
}

/**
 * The mosaic's state as the board reads it, cell-major: cell i = row * cols + col holds
 * tile cellId[i] (0 = empty), tint cellTint[3i..3i+2] and untinted colour cellRgb[i].
 * shared/protocol's LiveMosaic has exactly this shape; the board only reads it.
 */
export interface BoardModel {
  readonly cols: number;
  readonly rows: number;
  readonly seq: number;
  /** Tiles placed. */
  readonly size: number;
  /**
   * True when only some cells are held (the rest is unknown, not empty): the board draws the
   * colour pyramid beneath and asks for blocks of cells where the camera needs them.
   */
  readonly partial: boolean;
  readonly cellId: Uint32Array;
  readonly cellTint: Int16Array;
  readonly cellRgb: Uint32Array;
  cellOfTile(id: number): number | undefined;
}

/** Numbers a harness or a test reads to check what the board is doing. */
export interface BoardStats {
  tiles: number;
  cellPx: number;
  atlases: number;
  /** 32 px tiles drawn over held atlas blocks where cells changed. */
  patches: number;
  photos: number;
  gpuBytes: number;
  arrivals: number;
  /** Colour pyramid tiles drawn. */
  pyramidTiles: number;
}
