/**
 * A DCT perceptual hash (the pHash construction): luma, 32x32 box average, 2-D DCT-II,
 * the 8x8 lowest frequencies, one bit per coefficient above their median. Pure
 * arithmetic on the raw 128 px copy that ingest already holds: no extra decode.
 */

const N = 32;
const K = 8;

/** cos((2x+1)uπ/2N) for u < K, x < N. */
const COS = (() => {
  const t = new Float64Array(K * N);
  for (let u = 0; u < K; u++)
    for (let x = 0; x < N; x++) t[u * N + x] = Math.cos(((2 * x + 1) * u * Math.PI) / (2 * N));
  return t;
})();

/** Mean luma (BT.601) of each cell of an N x N grid over a raw interleaved image. */
function lumaGrid(px: Uint8Array, width: number, height: number, channels: number): Float64Array {
  const sums = new Float64Array(N * N);
  // Where each grid column ends, in pixel columns (the grid is monotone in x).
  const colEnd = new Int32Array(N);
  const colCount = new Float64Array(N);
  for (let x = 0; x < width; x++) {
    const c = Math.min(N - 1, Math.floor((x * N) / width));
    colEnd[c] = x + 1;
    colCount[c] = colCount[c]! + 1;
  }
  const rowCount = new Float64Array(N);
  // Each cell's run of pixels is summed in a local, in the same order as a pixel-by-pixel
  // sweep would add them: the means, and so the hash, are bit for bit the same.
  for (let y = 0; y < height; y++) {
    const gy = Math.min(N - 1, Math.floor((y * N) / height));
    rowCount[gy] = rowCount[gy]! + 1;
    let i = y * width * channels;
    let x = 0;
    for (let c = 0; c < N; c++) {
      const end = colEnd[c]!;
      let acc = sums[gy * N + c]!;
      if (channels >= 3) {
        for (; x < end; x++, i += channels) acc += 0.299 * px[i]! + 0.587 * px[i + 1]! + 0.114 * px[i + 2]!;
      } else {
        for (; x < end; x++, i += channels) acc += px[i]!;
      }
      sums[gy * N + c] = acc;
    }
  }
  for (let gy = 0; gy < N; gy++)
    for (let gx = 0; gx < N; gx++) {
      const g = gy * N + gx;
      sums[g] = sums[g]! / (rowCount[gy]! * colCount[gx]! || 1);
    }
  return sums;
}

/**
 * The 64-bit perceptual hash of a raw image (default: ingest's 128x128 RGB copy),
 * as 16 hex digits. Resizing and re-compression move few bits; different photos
 * differ in about half of them.
 */
export function phashOf(px: Uint8Array, width = 128, height = 128, channels = 3): string {
  if (px.length < width * height * channels) throw new RangeError('phashOf: buffer smaller than the image');
  const grid = lumaGrid(px, width, height, channels);
  // Separable DCT-II, only the K lowest frequencies of each axis.
  const rows = new Float64Array(N * K);
  for (let y = 0; y < N; y++)
    for (let u = 0; u < K; u++) {
      let s = 0;
      for (let x = 0; x < N; x++) s += grid[y * N + x]! * COS[u * N + x]!;
      rows[y * K + u] = s;
    }
  const coef = new Float64Array(K * K);
  for (let v = 0; v < K; v++)
    for (let u = 0; u < K; u++) {
      let s = 0;
      for (let y = 0; y < N; y++) s += rows[y * K + u]! * COS[v * N + y]!;
      coef[v * K + u] = s;
    }
  // The DC term (overall brightness) is far above every other: leave it out of the median.
  const sorted = [...coef.subarray(1)].sort((a, b) => a - b);
  const median = (sorted[31]! + sorted[32]!) / 2;
  let hi = 0;
  let lo = 0;
  for (let i = 0; i < 64; i++) {
    if (coef[i]! <= median) continue;
    if (i < 32) hi |= 1 << (31 - i);
    else lo |= 1 << (63 - i);
  }
  return (hi >>> 0).toString(16).padStart(8, '0') + (lo >>> 0).toString(16).padStart(8, '0');
}

/** Bits set in a 32-bit integer (signed or unsigned); int32 arithmetic throughout, for speed. */
export function popcount32(v: number): number {
  let x = (v - ((v >>> 1) & 0x55555555)) | 0;
  x = ((x & 0x33333333) + ((x >>> 2) & 0x33333333)) | 0;
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/** The two 32-bit halves of a 16-hex-digit hash. */
export function phashWords(hex: string): [number, number] {
  if (!/^[0-9a-f]{16}$/.test(hex)) throw new RangeError(`not a 64-bit hex hash: ${hex}`);
  return [Number.parseInt(hex.slice(0, 8), 16), Number.parseInt(hex.slice(8), 16)];
}

/** Hamming distance between two hashes from {@link phashOf} (0..64). */
export function phashDistance(a: string, b: string): number {
  const [a1, a2] = phashWords(a);
  const [b1, b2] = phashWords(b);
  return popcount32((a1 ^ b1) >>> 0) + popcount32((a2 ^ b2) >>> 0);
}
