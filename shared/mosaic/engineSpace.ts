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

// Orthonormal 1-D DCT-II basis for 3 samples.
const R2 = Math.SQRT1_2;
const R6 = 1 / Math.sqrt(6);
const BASIS = [
  [1 / Math.sqrt(3), 1 / Math.sqrt(3), 1 / Math.sqrt(3)],
  [R2, 0, -R2],
  [R6, -2 * R6, R6],
];
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

/** Per kept coefficient (lightness ones, then a's, then b's): its channel, and 9 sub-cell weights in W. */
const KEPT_CHANNEL = new Int32Array(L_COEFS.length + 2 * AB_COEFS.length);
const KEPT_W = new Float64Array(KEPT_CHANNEL.length * 9);
[
  ...L_COEFS.map((c) => ({ channel: 0, c })),
  ...AB_COEFS.map((c) => ({ channel: 1, c })),
  ...AB_COEFS.map((c) => ({ channel: 2, c })),
].forEach(({ channel, c: [ky, kx] }, j) => {
  KEPT_CHANNEL[j] = channel;
  for (let y = 0; y < 3; y++)
    for (let x = 0; x < 3; x++) KEPT_W[j * 9 + y * 3 + x] = BASIS[ky]![y]! * BASIS[kx]![x]!;
});

/** 9 weights (row-major sub-cells) times 9 sub-cell values, summed in order. */
function dot9(
  w: Float64Array,
  o: number,
  s0: number,
  s1: number,
  s2: number,
  s3: number,
  s4: number,
  s5: number,
  s6: number,
  s7: number,
  s8: number,
): number {
  return (
    w[o]! * s0 +
    w[o + 1]! * s1 +
    w[o + 2]! * s2 +
    w[o + 3]! * s3 +
    w[o + 4]! * s4 +
    w[o + 5]! * s5 +
    w[o + 6]! * s6 +
    w[o + 7]! * s7 +
    w[o + 8]! * s8
  );
}

/** Writes the DIM - 3 structure bytes at `o` from the sub-cells in `sub` (27 floats). */
function encodeStructure(sub: Float32Array, w: number, out: Int8Array, o: number): void {
  // One channel at a time, its 9 sub-cells in locals: straight-line code, the same sums as a loop.
  let j = 0;
  for (let channel = 0; channel < 3; channel++) {
    const s0 = sub[channel]!;
    const s1 = sub[3 + channel]!;
    const s2 = sub[6 + channel]!;
    const s3 = sub[9 + channel]!;
    const s4 = sub[12 + channel]!;
    const s5 = sub[15 + channel]!;
    const s6 = sub[18 + channel]!;
    const s7 = sub[21 + channel]!;
    const s8 = sub[24 + channel]!;
    const end = channel === 0 ? L_COEFS.length : j + AB_COEFS.length;
    for (; j < end; j++) out[o + j] = clampByte(dot9(KEPT_W, j * 9, s0, s1, s2, s3, s4, s5, s6, s7, s8) * w);
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
