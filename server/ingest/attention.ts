/**
 * The `attention` crop of libvips (vips_smartcrop, as sharp's `position: 'attention'`
 * calls it), ported to plain arithmetic on a 32x32 thumbnail.
 *
 * Why a port: libvips builds and runs some twenty operations for this, and that costs
 * about 8 ms of CPU per photo whatever the image size (measured: a 40x30 input costs
 * the same as 683x512), more than a third of the whole decode. The scoring itself only
 * ever looks at a 32x32 thumbnail, so given that thumbnail (made by sharp, with the
 * same resize libvips uses inside smartcrop) it costs a fraction of a millisecond.
 *
 * The steps follow libvips 8.14+: shrink to 32x32; CIE XYZ (Y 0..100); edges as |5 x
 * Laplacian of Y|; where Y > 5, a skin score 100 - 100 |XYZ/|XYZ| + (-0.78, -0.57, -0.44)|
 * and the CIELAB a* (reds and magentas); their sum blurred by libvips' integer Gaussian
 * whose sigma follows the crop size; the crop centred on the maximum. Given the same
 * thumbnail it lands on exactly libvips' crop (test/unit/ingestFast.test.ts). A box-
 * averaged thumbnail would be cheaper still, but where a photo has two near-equal peaks
 * it can flip to the other one (seen: 440 px apart), so the thumbnail stays libvips'.
 */

/** The side of the thumbnail the scoring works on. */
export const ATTENTION_THUMB = 32;
const T = ATTENTION_THUMB;
const SKIN = [-0.78, -0.57, -0.44] as const;
// D65 white for XYZ -> Lab, on libvips' 0..100 scale.
const XN = 95.047;
const YN = 100;

/** sRGB byte -> linear light, as a table. */
const LINEAR = (() => {
  const t = new Float64Array(256);
  for (let i = 0; i < 256; i++) {
    const v = i / 255;
    t[i] = v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  }
  return t;
})();

function labF(t: number): number {
  return t > 216 / 24389 ? Math.cbrt(t) : ((24389 / 27) * t + 16) / 116;
}

/**
 * libvips' integer Gaussian (vips_gaussmat, min_ampl 0.2 as vips_gaussblur asks): out to
 * the last x whose exp(-x^2 / 2 sigma^2) is at least 0.2, each weight rint(20 v), normalised.
 */
function gaussian(sigma: number): Float64Array {
  const sig2 = 2 * sigma * sigma;
  let x = 0;
  while (x < 8 * sigma && Math.exp(-(x * x) / sig2) >= 0.2) x++;
  const r = Math.max(x - 1, 0);
  const k = new Float64Array(2 * r + 1);
  let sum = 0;
  for (let i = -r; i <= r; i++) {
    const v = Math.round(20 * Math.exp(-(i * i) / sig2));
    k[i + r] = v;
    sum += v;
  }
  for (let i = 0; i < k.length; i++) k[i] = k[i]! / (sum || 1);
  return k;
}

/** Separable convolution of a T x T map, edges extended by copying (as libvips does). */
function blur(src: Float64Array, sigma: number): Float64Array {
  const k = gaussian(sigma);
  const r = (k.length - 1) / 2;
  const tmp = new Float64Array(T * T);
  const out = new Float64Array(T * T);
  const clamp = (v: number) => (v < 0 ? 0 : v >= T ? T - 1 : v);
  for (let y = 0; y < T; y++)
    for (let x = 0; x < T; x++) {
      let s = 0;
      for (let i = -r; i <= r; i++) s += k[i + r]! * src[y * T + clamp(x + i)]!;
      tmp[y * T + x] = s;
    }
  for (let y = 0; y < T; y++)
    for (let x = 0; x < T; x++) {
      let s = 0;
      for (let i = -r; i <= r; i++) s += k[i + r]! * tmp[clamp(y + i) * T + x]!;
      out[y * T + x] = s;
    }
  return out;
}

/**
 * The point the attention strategy centres a cropW x cropH crop on, in pixels of a
 * width x height image, given that image resized to a 32x32 RGB thumbnail.
 */
export function attentionPoint(
  thumb: Uint8Array,
  width: number,
  height: number,
  cropW: number,
  cropH: number,
): { x: number; y: number } {
  const n = T * T;
  if (thumb.length < n * 3) throw new RangeError('attentionPoint: the thumbnail must be 32x32 RGB');
  const Y = new Float64Array(n);
  const score = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const r = LINEAR[thumb[i * 3]!]!;
    const g = LINEAR[thumb[i * 3 + 1]!]!;
    const b = LINEAR[thumb[i * 3 + 2]!]!;
    const X = 100 * (0.4124564 * r + 0.3575761 * g + 0.1804375 * b);
    const y = 100 * (0.2126729 * r + 0.7151522 * g + 0.072175 * b);
    const Z = 100 * (0.0193339 * r + 0.119192 * g + 0.9503041 * b);
    Y[i] = y;
    // Skin: how close the colour's direction in XYZ is to the skin direction.
    const len = Math.sqrt(X * X + y * y + Z * Z);
    const sx = len > 0 ? X / len + SKIN[0] : SKIN[0];
    const sy = len > 0 ? y / len + SKIN[1] : SKIN[1];
    const sz = len > 0 ? Z / len + SKIN[2] : SKIN[2];
    const skin = 100 - 100 * Math.sqrt(sx * sx + sy * sy + sz * sz);
    // Lab a* (libvips converts XYZ with the D65 white).
    const a = 500 * (labF(X / XN) - labF(y / YN));
    // libvips masks both with sign(Y - 5) cast to a byte: only Y > 5 counts.
    score[i] = y > 5 ? skin + a : 0;
  }
  // Edges: |5 x Laplacian of Y|, edges extended by copying.
  for (let y = 0; y < T; y++) {
    const up = Math.max(0, y - 1) * T;
    const down = Math.min(T - 1, y + 1) * T;
    for (let x = 0; x < T; x++) {
      const left = Math.max(0, x - 1);
      const right = Math.min(T - 1, x + 1);
      const c = y * T + x;
      const lap = 4 * Y[c]! - Y[y * T + left]! - Y[y * T + right]! - Y[up + x]! - Y[down + x]!;
      score[c] = score[c]! + Math.abs(5 * lap);
    }
  }
  const hscale = T / width;
  const vscale = T / height;
  const sigma = Math.max(Math.hypot(cropW * hscale, cropH * vscale) / 10, 1);
  const blurred = blur(score, sigma);
  let best = 0;
  for (let i = 1; i < n; i++) if (blurred[i]! > blurred[best]!) best = i;
  return { x: Math.trunc((best % T) / hscale), y: Math.trunc(Math.floor(best / T) / vscale) };
}

/** The top-left corner of the attention crop of cropW x cropH, clipped to the image. */
export function attentionCrop(
  thumb: Uint8Array,
  width: number,
  height: number,
  cropW: number,
  cropH: number,
): { left: number; top: number } {
  const p = attentionPoint(thumb, width, height, cropW, cropH);
  const clip = (v: number, hi: number) => Math.max(0, Math.min(hi, v));
  return {
    left: clip(p.x - Math.trunc(cropW / 2), width - cropW),
    top: clip(p.y - Math.trunc(cropH / 2), height - cropH),
  };
}
