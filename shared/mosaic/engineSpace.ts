/**
 * The engine's compact feature space. A FEATURE_LEN float vector (mean Lab plus
 * 3x3 sub-cell Lab) becomes DIM signed bytes: the mean colour, then the sub-cells'
 * structure as orthonormal 3x3 DCT coefficients (all 8 for lightness, the two
 * gradients for each chroma axis). Squared Euclidean distance on these bytes is
 * the engine's cost; the DCT keeps it equal to a weighted sub-cell distance.
 */
import { labToDin99o } from './deltaE.ts';
import { FEATURE_LEN, SUBGRID } from './types.ts';

/** Bytes per encoded vector. */
export const DIM = 15;

/** How features are mapped into the engine's space. */
export interface SpaceConfig {
  /** Encode in DIN99o (Euclidean approximates CIEDE2000) instead of plain CIELAB. */
  perceptual: boolean;
  /** Weight of the sub-cell structure against the mean colour (0 = mean colour only). */
  structureWeight: number;
  /** Colour units per quantisation step (bytes clamp at +-127 steps). */
  step: number;
}

/** The configuration chosen by measurement (see test/bench/engine.ts). */
export const DEFAULT_SPACE: Readonly<SpaceConfig> = Object.freeze({
  perceptual: true,
  structureWeight: 1,
  step: 0.5,
});

if (SUBGRID !== 3 || FEATURE_LEN !== 30) throw new Error('engineSpace assumes a 3x3 sub-cell grid');

// Orthonormal 1-D DCT-II basis for 3 samples: [A3, A3, A3], [R2, 0, -R2], [R6, -2 R6, R6].
const A3 = 1 / Math.sqrt(3);
const R2 = Math.SQRT1_2;
const R6 = 1 / Math.sqrt(6);
/** (ky, kx) pairs kept for lightness: every non-DC coefficient. */
const L_COEFS: [number, number][] = [
  [0, 1],
  [1, 0],
  [1, 1],
  [0, 2],
  [2, 0],
  [1, 2],
  [2, 1],
  [2, 2],
];
/** (ky, kx) pairs kept for each chroma axis: the horizontal and vertical gradients. */
const AB_COEFS: [number, number][] = [
  [0, 1],
  [1, 0],
];

function clampByte(v: number): number {
  return Math.max(-127, Math.min(127, Math.round(v)));
}

const sub = new Float32Array(27);
const mean = new Float32Array(3);

/**
 * Writes the DIM - 3 structure bytes at `o` from the sub-cells in `sub` (27 floats): the
 * kept 2-D DCT coefficients (basis ky down times basis kx across), computed separably:
 * each row's 1-D DCT, then down the columns.
 */
function encodeStructure(sub: Float32Array, w: number, out: Int8Array, o: number): void {
  // Per row y and channel c: r0 = sum, r1 = first - last, r2 = first - 2 middle + last (unscaled).
  for (let c = 0; c < 3; c++) {
    const a0 = sub[c]!;
    const a1 = sub[3 + c]!;
    const a2 = sub[6 + c]!;
    const b0 = sub[9 + c]!;
    const b1 = sub[12 + c]!;
    const b2 = sub[15 + c]!;
    const c0 = sub[18 + c]!;
    const c1 = sub[21 + c]!;
    const c2 = sub[24 + c]!;
    const r1a = R2 * (a0 - a2);
    const r1b = R2 * (b0 - b2);
    const r1c = R2 * (c0 - c2);
    const r0a = A3 * (a0 + a1 + a2);
    const r0c = A3 * (c0 + c1 + c2);
    if (c === 0) {
      const r0b = A3 * (b0 + b1 + b2);
      const r2a = R6 * (a0 - 2 * a1 + a2);
      const r2b = R6 * (b0 - 2 * b1 + b2);
      const r2c = R6 * (c0 - 2 * c1 + c2);
      // L_COEFS order: (0,1) (1,0) (1,1) (0,2) (2,0) (1,2) (2,1) (2,2) as (ky, kx).
      out[o] = clampByte(A3 * (r1a + r1b + r1c) * w);
      out[o + 1] = clampByte(R2 * (r0a - r0c) * w);
      out[o + 2] = clampByte(R2 * (r1a - r1c) * w);
      out[o + 3] = clampByte(A3 * (r2a + r2b + r2c) * w);
      out[o + 4] = clampByte(R6 * (r0a - 2 * r0b + r0c) * w);
      out[o + 5] = clampByte(R2 * (r2a - r2c) * w);
      out[o + 6] = clampByte(R6 * (r1a - 2 * r1b + r1c) * w);
      out[o + 7] = clampByte(R6 * (r2a - 2 * r2b + r2c) * w);
    } else {
      // AB_COEFS: (0,1) then (1,0), a's two then b's two.
      const j = o + L_COEFS.length + (c - 1) * AB_COEFS.length;
      out[j] = clampByte(A3 * (r1a + r1b + r1c) * w);
      out[j + 1] = clampByte(R2 * (r0a - r0c) * w);
    }
  }
}

/**
 * Encodes one feature vector (at `off` in `f`) into DIM bytes at `outOff` in `out`.
 * Pure and deterministic: the same features always give the same bytes.
 */
export function encodeFeatures(
  f: Float32Array,
  off: number,
  cfg: SpaceConfig,
  out: Int8Array,
  outOff: number,
): void {
  if (cfg.perceptual) {
    labToDin99o(f[off]!, f[off + 1]!, f[off + 2]!, mean, 0);
    for (let s = 0; s < 9; s++) {
      const o = off + 3 + s * 3;
      labToDin99o(f[o]!, f[o + 1]!, f[o + 2]!, sub, s * 3);
    }
  } else {
    for (let i = 0; i < 3; i++) mean[i] = f[off + i]!;
    for (let i = 0; i < 27; i++) sub[i] = f[off + 3 + i]!;
  }
  const k = 1 / cfg.step;
  out[outOff] = clampByte((mean[0]! - 50) * k);
  out[outOff + 1] = clampByte(mean[1]! * k);
  out[outOff + 2] = clampByte(mean[2]! * k);
  // Sum over 9 sub-cells of squared differences = sum over coefficients; /9 makes it a per-sub-cell mean.
  encodeStructure(sub, Math.sqrt(cfg.structureWeight / 9) * k, out, outOff + 3);
}

/** Encodes `count` consecutive feature vectors into a new Int8Array of count*DIM bytes. */
export function encodeAll(features: Float32Array, count: number, cfg: SpaceConfig): Int8Array {
  const out = new Int8Array(count * DIM);
  for (let i = 0; i < count; i++) encodeFeatures(features, i * FEATURE_LEN, cfg, out, i * DIM);
  return out;
}

/** Squared distance between two encoded vectors, in squared quantisation steps. */
export function sqDist(a: Int8Array, ao: number, b: Int8Array, bo: number): number {
  let s = 0;
  for (let i = 0; i < DIM; i++) {
    const d = a[ao + i]! - b[bo + i]!;
    s += d * d;
  }
  return s;
}
