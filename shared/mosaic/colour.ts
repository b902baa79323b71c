/**
 * sRGB <-> CIELAB (D65) conversions.
 */

/** sRGB channel (0-255) to linear light, by the formula. */
export function toLinearExact(c: number): number {
  const v = c / 255;
  return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
}

/**
 * toLinearExact at every quarter step of 0-255, the values an average of 1, 2 or 4 8-bit
 * pixels takes (a target picture's sub-cells at a million cells are such averages): the
 * same numbers without a power per channel.
 */
const QUARTERS = Float64Array.from({ length: 255 * 4 + 1 }, (_, i) => toLinearExact(i / 4));

function toLinear(c: number): number {
  const q = c * 4;
  return q >= 0 && q <= 1020 && (q | 0) === q ? QUARTERS[q]! : toLinearExact(c);
}

function fromLinear(v: number): number {
  // v^(1/2.4) = v^(1/3) * v^(1/12): a cube root and two square roots, within an ulp of the power and half its cost.
  let c = v * 12.92;
  if (v > 0.0031308) {
    const r = Math.cbrt(v);
    c = 1.055 * r * Math.sqrt(Math.sqrt(r)) - 0.055;
  }
  return Math.max(0, Math.min(255, c * 255));
}

const XN = 0.95047;
const YN = 1.0;
const ZN = 1.08883;
const EPS = 216 / 24389;
const KAPPA = 24389 / 27;

function f(t: number): number {
  return t > EPS ? Math.cbrt(t) : (KAPPA * t + 16) / 116;
}

function fInv(t: number): number {
  const t3 = t * t * t;
  return t3 > EPS ? t3 : (116 * t - 16) / KAPPA;
}

/**
 * Converts one sRGB colour (0..255 per channel) to CIELAB (D65).
 * Writes L, a, b into `out` at `offset` and returns `out`.
 */
export function srgbToLab(r: number, g: number, b: number, out: Float32Array | number[], offset = 0) {
  const lr = toLinear(r);
  const lg = toLinear(g);
  const lb = toLinear(b);
  const x = (0.4124564 * lr + 0.3575761 * lg + 0.1804375 * lb) / XN;
  const y = (0.2126729 * lr + 0.7151522 * lg + 0.072175 * lb) / YN;
  const z = (0.0193339 * lr + 0.119192 * lg + 0.9503041 * lb) / ZN;
  const fx = f(x);
  const fy = f(y);
  const fz = f(z);
  out[offset] = 116 * fy - 16;
  out[offset + 1] = 500 * (fx - fy);
  out[offset + 2] = 200 * (fy - fz);
  return out;
}

/** Converts CIELAB (D65) back to sRGB, each channel clamped to 0..255 (not rounded). */
export function labToSrgb(l: number, a: number, b: number): [number, number, number] {
  const fy = (l + 16) / 116;
  const fx = fy + a / 500;
  const fz = fy - b / 200;
  const x = fInv(fx) * XN;
  const y = fInv(fy) * YN;
  const z = fInv(fz) * ZN;
  const lr = 3.2404542 * x - 1.5371385 * y - 0.4985314 * z;
  const lg = -0.969266 * x + 1.8760108 * y + 0.041556 * z;
  const lb = 0.0556434 * x - 0.2040259 * y + 1.0572252 * z;
  return [fromLinear(lr), fromLinear(lg), fromLinear(lb)];
}
