/**
 * The 32x32 thumbnail that libvips' attention crop scores (attention.ts), in plain
 * arithmetic: byte for byte what
 *
 *   sharp(px, { raw: { width, height, channels: 3 } }).resize(32, 32, { fit: 'fill' }).raw()
 *
 * gives with the sharp this project installs (0.35, libvips 8.18 with its Highway paths),
 * for less CPU than that sharp pipeline and with no hop off the event loop.
 *
 * What libvips does for that call (vips_resize, lanczos3, gap 2.0), and this mirrors:
 *   1. vips_reducev: a box pre-shrink of the rows by an integer factor (vips_shrinkv with
 *      `ceil`), then a lanczos3 reduce of what is left (a factor between 2 and 4);
 *   2. vips_reduceh on that result: the same across the columns (vips_shrinkh, then the
 *      lanczos3 reduce).
 * Each of the four steps rounds to bytes, so they cannot be merged or reordered; each is
 * reproduced exactly, fixed point included:
 *   - box shrink by m: ((sum + m/2) * floor(2^32 / (256 m))) >> 24, the last row or column
 *     repeated to fill the last group;
 *   - lanczos3: 65 masks (the source position in 1/64ths of a pixel, to nearest), weights
 *     truncated to 1/4096ths, sum + 2048 shifted right by 12 and clamped, edges repeated.
 * The sizes, box factors, offsets and positions come from the same double arithmetic as
 * sharp's and libvips' (planAxis). One thing is not plain arithmetic: vips_reducev finds
 * the source row of each output row by adding the shrink factor row after row, starting
 * afresh at the top of each region it is asked for, and that rounding can move a row into
 * the neighbouring 1/64th. As sharp runs it, those regions are the whole 32 rows, or 16
 * rows at a time when a box shrink across follows (vips_shrinkh reads in 16-row strips);
 * this does the same.
 *
 * Exact for every size from 32x32 up that has been tried; checked against the installed
 * sharp byte for byte in test/unit/attentionThumb.test.ts, which will say so if a sharp
 * upgrade changes libvips' arithmetic.
 */

/** The side of the thumbnail. */
const T = 32;
/** libvips' VIPS_TRANSFORM_SCALE: source positions are resolved to 1/64th of a pixel. */
const SUBPIXELS = 64;
/** libvips' VIPS_INTERPOLATE_SHIFT: lanczos weights are fixed point with 12 fraction bits. */
const SHIFT = 12;
const ONE = 1 << SHIFT;

/** How one axis is reduced to 32: the box pre-shrink, then the lanczos3 taps of each output. */
interface Axis {
  /** The integer box shrink (vips_shrinkv / vips_shrinkh), 1 for none. */
  box: number;
  /** The length after the box shrink. */
  boxed: number;
  /** Taps per output (0: the axis is 32 long already, nothing to reduce). */
  n: number;
  /** For each output, the boxed index of each of its n taps, edges repeated. */
  taps: Int32Array;
  /** For each output, its n weights in 1/4096ths. */
  weights: Int32Array;
}

/** C's rint(): halves go to the even neighbour. */
function rint(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * libvips' lanczos3 mask (calculate_coefficients_lanczos in templates.h) for a source
 * position x (0..1) past a pixel, normalised to sum 1, then cut to 1/4096ths as
 * vips_reducev and vips_reduceh do (a C cast to short: truncation).
 */
function lanczosMask(n: number, shrink: number, x: number, out: Int32Array, at: number): void {
  const a = 3;
  const half = x + n / 2 - 1;
  const c = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const xp = (i - half) / shrink;
    let l: number;
    if (xp === 0) l = 1;
    else if (xp < -a || xp > a) l = 0;
    else l = (a * Math.sin(Math.PI * xp) * Math.sin((Math.PI * xp) / a)) / (Math.PI * Math.PI * xp * xp);
    c[i] = l;
    sum += l;
  }
  for (let i = 0; i < n; i++) out[at + i] = Math.trunc((c[i]! / sum) * ONE);
}

/**
 * The plan for one axis of `size` pixels, in the same double arithmetic and order as
 * sharp (scale = 1 / (size / 32)), vips_resize (reduce by 1 / scale) and vips_reducev /
 * vips_reduceh (output size, box factor for gap 2, centring offset, each output's source
 * position), so that every rounding is theirs. `strip`: how many outputs the position is
 * stepped over before it is worked out afresh (see the header).
 */
function planAxis(size: number, strip: number): Axis {
  if (size === T) return { box: 1, boxed: T, n: 0, taps: new Int32Array(0), weights: new Int32Array(0) };
  let shrink = 1 / (1 / (size / T));
  const out = Math.floor(size / shrink + 0.5);
  if (out !== T) throw new Error(`attentionThumb: ${size} does not reduce to ${T}`);
  let extra = out * shrink - size;
  const box = Math.max(1, Math.floor(size / out / 2));
  if (box > 1) {
    shrink /= box;
    extra /= box;
  }
  const boxed = Math.ceil(size / box);
  const n = 2 * rint(3 * shrink) + 1;
  const offset = (1 + extra) / 2 - 1;
  // vips_embed of ceil(n / 2) - 1 repeated pixels before the first.
  const half = Math.ceil(n / 2) - 1;
  const taps = new Int32Array(T * n);
  const weights = new Int32Array(T * n);
  for (let top = 0; top < T; top += strip) {
    let pos = (top + 0.5) * shrink - 0.5 - offset;
    for (let o = top; o < Math.min(top + strip, T); o++) {
      // The 1/64th the position falls in, to nearest: ((int) (pos * 128) & 127 + 1) >> 1.
      const sub = ((Math.trunc(pos * SUBPIXELS * 2) & (SUBPIXELS * 2 - 1)) + 1) >> 1;
      lanczosMask(n, shrink, sub / SUBPIXELS, weights, o * n);
      const first = Math.trunc(pos) - half;
      for (let i = 0; i < n; i++) taps[o * n + i] = Math.min(Math.max(first + i, 0), boxed - 1);
      pos += shrink;
    }
  }
  return { box, boxed, n, taps, weights };
}

const plans = new Map<string, Axis>();

function plan(size: number, strip: number): Axis {
  const key = `${size}/${strip}`;
  let p = plans.get(key);
  if (!p) {
    if (plans.size >= 64) plans.clear();
    p = planAxis(size, strip);
    plans.set(key, p);
  }
  return p;
}

/** The multiplier of libvips' box average of m bytes (vips_shrinkv / vips_shrinkh, uchar). */
function boxMultiplier(m: number): number {
  return Math.floor(2 ** 32 / (256 * m));
}

/*
 * Packing. The vertical lanczos3 works on two bytes at once: columns 4q and 4q + 2 of a
 * row as one double a + b * 2^24, and 4q + 1 with 4q + 3 as the next. Weighted sums of
 * such pairs stay exact (below 2^53) and the two sums come apart again exactly (each is
 * kept between 0 and 2^23 by the bias below).
 */
const LANE = 2 ** 24;
const INV_LANE = 2 ** -24;
/** Added to each lane's sum: libvips' rounding 2048, plus 2^22 to keep the sum positive. */
const BIAS = (ONE >> 1) + 2 ** 22;
const PACKED_BIAS = BIAS + BIAS * LANE;
/** (sum + BIAS) >> 12 -> the byte libvips stores: (sum + 2048) >> 12, clamped to 0..255. */
const CLAMP = (() => {
  const t = new Uint8Array((2 ** 23) >> SHIFT);
  const base = (2 ** 22) >> SHIFT;
  for (let i = 0; i < t.length; i++) t[i] = Math.min(255, Math.max(0, i - base));
  return t;
})();

/** Scratch space, reused from call to call (the work is synchronous). */
let packed = new Float64Array(0);
let acc = new Float64Array(0);
let byteSums = new Int32Array(0);
let rowBytes = new Uint8Array(0);
let hBytes = new Uint8Array(0);

/**
 * The 32x32 RGB thumbnail of a raw interleaved RGB image, byte for byte what sharp's
 * resize(32, 32, { fit: 'fill' }) gives (see the header). Both sides must be at least 32:
 * below that libvips enlarges with an affine bicubic, which is not ported (RangeError).
 */
export function attentionThumb(px: Uint8Array, width: number, height: number): Buffer {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < T || height < T)
    throw new RangeError(`attentionThumb: ${width}x${height} is smaller than ${T}x${T}`);
  if (px.length < width * height * 3) throw new RangeError('attentionThumb: too few bytes for the size');
  const h = plan(width, T);
  const v = plan(height, h.box > 1 ? 16 : T);
  const row = width * 3;
  const words = (row + 3) >> 2;
  const pairs = 2 * words;
  if (rowBytes.length < 4 * words) rowBytes = new Uint8Array(4 * words);
  if (hBytes.length < h.boxed * 3) hBytes = new Uint8Array(h.boxed * 3);
  const out = Buffer.allocUnsafe(T * T * 3);

  // vips_reducev's box pre-shrink (vips_shrinkv), all rows at once.
  if (v.n > 0) {
    if (packed.length < v.boxed * pairs) packed = new Float64Array(v.boxed * pairs);
    if (v.box > 1 && v.box <= 256) boxRowsWords(px, row, height, v);
    else boxRowsBytes(px, row, height, v);
  }
  // Then row by row: vips_reducev's lanczos3, vips_shrinkh, vips_reduceh's lanczos3.
  for (let y = 0; y < T; y++) {
    if (v.n > 0) reduceRow(v, y, pairs);
    else rowBytes.set(px.subarray(y * row, (y + 1) * row));
    const line = h.box > 1 ? boxAcross(rowBytes, width, h) : rowBytes;
    reduceAcross(line, h, out, y * T * 3);
  }
  return out;
}

/**
 * vips_shrinkv, four bytes at a time: each little-endian 32-bit word's even and odd bytes
 * are summed down the group of rows in two 16-bit lanes each (at most 256 x 255, so no
 * lane overflows). The averages go out packed for reduceRow.
 */
function boxRowsWords(px: Uint8Array, row: number, height: number, v: Axis): void {
  const view = new DataView(px.buffer, px.byteOffset, px.length);
  const words = (row + 3) >> 2;
  // Words wholly inside a row; the last, partial one is read a byte at a time.
  const whole = row >> 2;
  const S = packed;
  const m = v.box;
  const amend = m >> 1;
  const mult = boxMultiplier(m);
  // The average of each possible lane sum.
  const avg = new Uint8Array(m * 255 + 1);
  for (let s = 0; s < avg.length; s++) avg[s] = Math.imul(s + amend, mult) >>> 24;
  const starts = new Int32Array(m);
  for (let j = 0; j < v.boxed; j++) {
    const o = j * 2 * words;
    // The group's rows, the last row repeated to fill the last group.
    for (let t = 0; t < m; t++) starts[t] = Math.min(j * m + t, height - 1) * row;
    if (starts[m - 1] === starts[0]! + (m - 1) * row) {
      for (let q = 0; q < whole; q++) {
        let e = 0;
        let d = 0;
        let t = 0;
        let i = starts[0]! + 4 * q;
        for (; t + 2 <= m; t += 2, i += 2 * row) {
          const w = view.getInt32(i, true);
          const x = view.getInt32(i + row, true);
          e += (w & 0xff00ff) + (x & 0xff00ff);
          d += ((w >>> 8) & 0xff00ff) + ((x >>> 8) & 0xff00ff);
        }
        if (t < m) {
          const w = view.getInt32(i, true);
          e += w & 0xff00ff;
          d += (w >>> 8) & 0xff00ff;
        }
        // Columns 4q and 4q + 2, then 4q + 1 and 4q + 3.
        S[o + 2 * q] = avg[e & 0xffff]! + avg[e >>> 16]! * LANE;
        S[o + 2 * q + 1] = avg[d & 0xffff]! + avg[d >>> 16]! * LANE;
      }
    } else {
      for (let q = 0; q < whole; q++) {
        let e = 0;
        let d = 0;
        for (let t = 0; t < m; t++) {
          const w = view.getInt32(starts[t]! + 4 * q, true);
          e += w & 0xff00ff;
          d += (w >>> 8) & 0xff00ff;
        }
        S[o + 2 * q] = avg[e & 0xffff]! + avg[e >>> 16]! * LANE;
        S[o + 2 * q + 1] = avg[d & 0xffff]! + avg[d >>> 16]! * LANE;
      }
    }
    if (whole < words) {
      const c = 4 * whole;
      let e = 0;
      let d = 0;
      for (let t = 0; t < m; t++) {
        const i = starts[t]! + c;
        e += px[i]! + (c + 2 < row ? px[i + 2]! << 16 : 0);
        d += (c + 1 < row ? px[i + 1]! : 0) + (c + 3 < row ? px[i + 3]! << 16 : 0);
      }
      S[o + 2 * whole] = avg[e & 0xffff]! + avg[e >>> 16]! * LANE;
      S[o + 2 * whole + 1] = avg[d & 0xffff]! + avg[d >>> 16]! * LANE;
    }
  }
}

/** vips_shrinkv a byte at a time (or no shrink at all when v.box is 1), packed for reduceRow. */
function boxRowsBytes(px: Uint8Array, row: number, height: number, v: Axis): void {
  const words = (row + 3) >> 2;
  if (byteSums.length < row) byteSums = new Int32Array(row);
  const sums = byteSums;
  const bytes = rowBytes;
  bytes.fill(0);
  const m = v.box;
  const amend = m >> 1;
  const mult = boxMultiplier(m);
  for (let j = 0; j < v.boxed; j++) {
    if (m === 1) {
      bytes.set(px.subarray(j * row, (j + 1) * row));
    } else {
      sums.fill(0, 0, row);
      for (let t = 0; t < m; t++) {
        const r = Math.min(j * m + t, height - 1) * row;
        for (let x = 0; x < row; x++) sums[x] = sums[x]! + px[r + x]!;
      }
      for (let x = 0; x < row; x++) bytes[x] = Math.imul(sums[x]! + amend, mult) >>> 24;
    }
    const o = j * 2 * words;
    for (let q = 0; q < words; q++) {
      packed[o + 2 * q] = bytes[4 * q]! + bytes[4 * q + 2]! * LANE;
      packed[o + 2 * q + 1] = bytes[4 * q + 1]! + bytes[4 * q + 3]! * LANE;
    }
  }
}

/**
 * vips_reducev: output row y from the packed box-shrunk rows, into rowBytes. The taps are
 * added four at a time across the whole row (the sums are exact, so the order is free).
 */
function reduceRow(v: Axis, y: number, pairs: number): void {
  const n = v.n;
  const S = packed;
  if (acc.length < pairs) acc = new Float64Array(pairs);
  const A = acc;
  const taps = v.taps;
  const weights = v.weights;
  const at = y * n;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const b0 = taps[at + i]! * pairs;
    const b1 = taps[at + i + 1]! * pairs;
    const b2 = taps[at + i + 2]! * pairs;
    const b3 = taps[at + i + 3]! * pairs;
    const k0 = weights[at + i]!;
    const k1 = weights[at + i + 1]!;
    const k2 = weights[at + i + 2]!;
    const k3 = weights[at + i + 3]!;
    if (i === 0)
      for (let l = 0; l < pairs; l++)
        A[l] = PACKED_BIAS + k0 * S[b0 + l]! + k1 * S[b1 + l]! + k2 * S[b2 + l]! + k3 * S[b3 + l]!;
    else
      for (let l = 0; l < pairs; l++)
        A[l] = A[l]! + k0 * S[b0 + l]! + k1 * S[b1 + l]! + k2 * S[b2 + l]! + k3 * S[b3 + l]!;
  }
  for (; i < n; i++) {
    const b0 = taps[at + i]! * pairs;
    const k0 = weights[at + i]!;
    for (let l = 0; l < pairs; l++) A[l] = A[l]! + k0 * S[b0 + l]!;
  }
  // Each double holds two sums, each biased into 0 .. 2^23: take them apart, shift, clamp.
  const out = rowBytes;
  for (let l = 0, q = 0; l < pairs; l += 2, q += 4) {
    const even = A[l]!;
    const odd = A[l + 1]!;
    const e2 = (even * INV_LANE) | 0;
    const o2 = (odd * INV_LANE) | 0;
    out[q] = CLAMP[(even - e2 * LANE) >> SHIFT]!;
    out[q + 2] = CLAMP[e2 >> SHIFT]!;
    out[q + 1] = CLAMP[(odd - o2 * LANE) >> SHIFT]!;
    out[q + 3] = CLAMP[o2 >> SHIFT]!;
  }
}

/** vips_shrinkh on one row of `width` RGB pixels: groups of h.box, the last pixel repeated. */
function boxAcross(line: Uint8Array, width: number, h: Axis): Uint8Array {
  const m = h.box;
  const amend = m >> 1;
  const mult = boxMultiplier(m);
  const out = hBytes;
  for (let j = 0; j < h.boxed; j++) {
    let r = 0;
    let g = 0;
    let b = 0;
    for (let t = 0, x = j * m; t < m; t++, x++) {
      const i = (x < width ? x : width - 1) * 3;
      r += line[i]!;
      g += line[i + 1]!;
      b += line[i + 2]!;
    }
    out[j * 3] = Math.imul(r + amend, mult) >>> 24;
    out[j * 3 + 1] = Math.imul(g + amend, mult) >>> 24;
    out[j * 3 + 2] = Math.imul(b + amend, mult) >>> 24;
  }
  return out;
}

/** vips_reduceh: the 32 outputs of one row, into out at `at`. */
function reduceAcross(line: Uint8Array, h: Axis, out: Buffer, at: number): void {
  const n = h.n;
  if (n === 0) {
    out.set(line.subarray(0, T * 3), at);
    return;
  }
  for (let o = 0; o < T; o++) {
    let r = BIAS;
    let g = BIAS;
    let b = BIAS;
    for (let i = o * n; i < (o + 1) * n; i++) {
      const k = h.weights[i]!;
      const c = h.taps[i]! * 3;
      r += k * line[c]!;
      g += k * line[c + 1]!;
      b += k * line[c + 2]!;
    }
    out[at + o * 3] = CLAMP[r >> SHIFT]!;
    out[at + o * 3 + 1] = CLAMP[g >> SHIFT]!;
    out[at + o * 3 + 2] = CLAMP[b >> SHIFT]!;
  }
}
