import { srgbToLab } from './colour.ts';
import { FEATURE_LEN, type Features, SUBGRID } from './types.ts';

/**
 * Builds one feature vector from an interleaved RGB(A) block of SUBGRID x SUBGRID
 * pixels, each pixel being the box average of one sub-cell.
 * The mean is the Lab of the sub-cells' mean sRGB colour.
 *
 * @param px interleaved pixels, `channels` bytes each, row-major
 * @param channels 3 for RGB, 4 for RGBA (alpha ignored)
 * @param rowStride bytes from one row of the block to the next (default: a tight block)
 * @param start byte offset of the block's top-left pixel
 */
export function featuresFromSubgrid(
  px: Uint8Array | Uint8ClampedArray,
  channels: number,
  out: Features = new Float32Array(FEATURE_LEN),
  outOffset = 0,
  start = 0,
  rowStride = SUBGRID * channels,
): Features {
  let sr = 0;
  let sg = 0;
  let sb = 0;
  for (let y = 0; y < SUBGRID; y++) {
    for (let x = 0; x < SUBGRID; x++) {
      const i = start + y * rowStride + x * channels;
      const r = px[i] ?? 0;
      const g = px[i + 1] ?? 0;
      const b = px[i + 2] ?? 0;
      sr += r;
      sg += g;
      sb += b;
      srgbToLab(r, g, b, out, outOffset + 3 + (y * SUBGRID + x) * 3);
    }
  }
  const n = SUBGRID * SUBGRID;
  srgbToLab(sr / n, sg / n, sb / n, out, outOffset);
  return out;
}

/**
 * Features of every cell of a cols x rows grid, from an image already resized
 * (box-averaged) to exactly (cols*SUBGRID) x (rows*SUBGRID) pixels.
 * Returns cols*rows*FEATURE_LEN floats, cell-major (index = row*cols + col).
 */
export function gridFeatures(
  px: Uint8Array | Uint8ClampedArray,
  channels: number,
  cols: number,
  rows: number,
): Float32Array {
  const out = new Float32Array(cols * rows * FEATURE_LEN);
  const rowStride = cols * SUBGRID * channels;
  for (let row = 0; row < rows; row++) {
    for (let col = 0; col < cols; col++) {
      const start = row * SUBGRID * rowStride + col * SUBGRID * channels;
      featuresFromSubgrid(px, channels, out, (row * cols + col) * FEATURE_LEN, start, rowStride);
    }
  }
  return out;
}

/**
 * Box-averages an interleaved image to outW x outH RGB pixels. Each output pixel
 * averages the source pixels whose centres fall in its box, so any ratio works.
 * Used for tiles (512 px -> 3x3) and for the target (-> cols*3 x rows*3) alike.
 */
export function boxAverage(
  px: Uint8Array | Uint8ClampedArray,
  width: number,
  height: number,
  channels: number,
  outW: number,
  outH: number,
): Uint8Array {
  const out = new Uint8Array(outW * outH * 3);
  const sums = new Float64Array(outW * 3);
  const counts = new Float64Array(outW);
  const colOf = new Int32Array(width);
  for (let x = 0; x < width; x++) colOf[x] = Math.min(outW - 1, Math.floor(((x + 0.5) * outW) / width));
  let y = 0;
  for (let oy = 0; oy < outH; oy++) {
    const yEnd = oy === outH - 1 ? height : Math.floor(((oy + 1) * height) / outH + 0.5);
    sums.fill(0);
    counts.fill(0);
    for (; y < yEnd; y++) {
      let i = y * width * channels;
      for (let x = 0; x < width; x++, i += channels) {
        const ox = colOf[x]!;
        const j = ox * 3;
        sums[j] = sums[j]! + px[i]!;
        sums[j + 1] = sums[j + 1]! + px[i + 1]!;
        sums[j + 2] = sums[j + 2]! + px[i + 2]!;
        counts[ox] = counts[ox]! + 1;
      }
    }
    for (let ox = 0; ox < outW; ox++) {
      const n = counts[ox] || 1;
      const o = (oy * outW + ox) * 3;
      out[o] = Math.round(sums[ox * 3]! / n);
      out[o + 1] = Math.round(sums[ox * 3 + 1]! / n);
      out[o + 2] = Math.round(sums[ox * 3 + 2]! / n);
    }
  }
  return out;
}
