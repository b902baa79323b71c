/**
 * Writes cells' far-out colours into one RGBA texture chunk, from cell-major arrays (the
 * shape of LiveMosaic): tile id (0 = empty: transparent, the target shows through),
 * untinted colour 0xRRGGBB and additive tint, clamped per channel. One pass over typed
 * arrays, for a snapshot or a re-layout of a million cells. No PixiJS: unit-testable.
 */
export interface CellArrays {
  cols: number;
  cellId: Uint32Array;
  cellRgb: Uint32Array;
  cellTint: Int16Array;
}

/** The chunk covers cells [x, x + w) x [y, y + h); `data` holds w * h RGBA texels (premultiplied). */
export function paintCells(
  data: Uint8Array,
  x: number,
  y: number,
  w: number,
  h: number,
  m: CellArrays,
): void {
  const { cols, cellId, cellRgb, cellTint } = m;
  // A clamped view: assigning channel + tint saturates at 0 and 255 by itself.
  const d = new Uint8ClampedArray(data.buffer, data.byteOffset, w * h * 4);
  for (let r = 0; r < h; r++) {
    let c = (y + r) * cols + x;
    let i = r * w * 4;
    for (let k = 0; k < w; k++, c++, i += 4) {
      if (cellId[c] === 0) {
        d[i] = d[i + 1] = d[i + 2] = d[i + 3] = 0;
        continue;
      }
      const rgb = cellRgb[c]!;
      d[i] = ((rgb >>> 16) & 255) + cellTint[3 * c]!;
      d[i + 1] = ((rgb >>> 8) & 255) + cellTint[3 * c + 1]!;
      d[i + 2] = (rgb & 255) + cellTint[3 * c + 2]!;
      d[i + 3] = 255;
    }
  }
}
