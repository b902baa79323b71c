/**
 * Perceptual colour differences: CIEDE2000 and the DIN99o colour space, in which
 * plain Euclidean distance approximates CIEDE2000 (so it can drive a spatial index).
 */

const DEG = Math.PI / 180;
const POW25_7 = 25 ** 7;

/**
 * CIEDE2000 colour difference between two CIELAB colours (kL = kC = kH = 1),
 * after Sharma, Wu and Dalal (2005).
 */
export function ciede2000(l1: number, a1: number, b1: number, l2: number, a2: number, b2: number): number {
  const c1 = Math.hypot(a1, b1);
  const c2 = Math.hypot(a2, b2);
  const cBar7 = ((c1 + c2) / 2) ** 7;
  const g = 0.5 * (1 - Math.sqrt(cBar7 / (cBar7 + POW25_7)));
  const ap1 = (1 + g) * a1;
  const ap2 = (1 + g) * a2;
  const cp1 = Math.hypot(ap1, b1);
  const cp2 = Math.hypot(ap2, b2);
  const hp1 = cp1 === 0 ? 0 : (Math.atan2(b1, ap1) + 2 * Math.PI) % (2 * Math.PI);
  const hp2 = cp2 === 0 ? 0 : (Math.atan2(b2, ap2) + 2 * Math.PI) % (2 * Math.PI);
  const dL = l2 - l1;
  const dC = cp2 - cp1;
  let dh = 0;
  if (cp1 * cp2 !== 0) {
    dh = hp2 - hp1;
    if (dh > Math.PI) dh -= 2 * Math.PI;
    else if (dh < -Math.PI) dh += 2 * Math.PI;
  }
  const dH = 2 * Math.sqrt(cp1 * cp2) * Math.sin(dh / 2);
  const lBar = (l1 + l2) / 2;
  const cpBar = (cp1 + cp2) / 2;
  let hBar = hp1 + hp2;
  if (cp1 * cp2 !== 0) {
    if (Math.abs(hp1 - hp2) > Math.PI) hBar += hBar < 2 * Math.PI ? 2 * Math.PI : -2 * Math.PI;
    hBar /= 2;
  }
  const t =
    1 -
    0.17 * Math.cos(hBar - 30 * DEG) +
    0.24 * Math.cos(2 * hBar) +
    0.32 * Math.cos(3 * hBar + 6 * DEG) -
    0.2 * Math.cos(4 * hBar - 63 * DEG);
  const l50 = (lBar - 50) ** 2;
  const sL = 1 + (0.015 * l50) / Math.sqrt(20 + l50);
  const sC = 1 + 0.045 * cpBar;
  const sH = 1 + 0.015 * cpBar * t;
  const cpBar7 = cpBar ** 7;
  const rC = 2 * Math.sqrt(cpBar7 / (cpBar7 + POW25_7));
  const dTheta = 30 * DEG * Math.exp(-(((hBar / DEG - 275) / 25) ** 2));
  const rT = -Math.sin(2 * dTheta) * rC;
  const tl = dL / sL;
  const tc = dC / sC;
  const th = dH / sH;
  return Math.sqrt(tl * tl + tc * tc + th * th + rT * tc * th);
}

const COS26 = Math.cos(26 * DEG);
const SIN26 = Math.sin(26 * DEG);

// The two logarithms of DIN99o from tables with linear interpolation: the encoder calls
// this ten times per tile, and Math.log made up most of its time. Within the tables'
// ranges the result is within 2e-5 of the formula (unit test); outside, the formula.
const L_LO = -16;
const L_HI = 112;
const L_N = 2048;
const L_SCALE = L_N / (L_HI - L_LO);
/** 303.67 ln(1 + 0.0039 L) at L = L_LO + i / L_SCALE. */
const lTable = new Float64Array(L_N + 2);
for (let i = 0; i < lTable.length; i++) lTable[i] = l99o(L_LO + i / L_SCALE);
const G_HI = 256;
const G_N = 4096;
const G_SCALE = G_N / G_HI;
/** 23 ln(1 + 0.075 g) / g (its limit 1.725 at 0) at g = i / G_SCALE. */
const gTable = new Float64Array(G_N + 2);
for (let i = 0; i < gTable.length; i++) gTable[i] = i === 0 ? 23 * 0.075 : chromaScale(i / G_SCALE);

function l99o(l: number): number {
  return 303.67 * Math.log(1 + 0.0039 * l);
}

function chromaScale(g: number): number {
  return (23.0 * Math.log(1 + 0.075 * g)) / g;
}

/**
 * Converts CIELAB to DIN99o (DIN 6176). Writes L99o, a99o, b99o into `out` at `offset`.
 * Euclidean distance in DIN99o is a cheap, index-friendly approximation of CIEDE2000.
 */
export function labToDin99o(l: number, a: number, b: number, out: Float32Array | number[], offset = 0): void {
  const e = a * COS26 + b * SIN26;
  const f = 0.83 * (-a * SIN26 + b * COS26);
  const g = Math.sqrt(e * e + f * f);
  let x = (l - L_LO) * L_SCALE;
  if (x >= 0 && x < L_N) {
    const i = x | 0;
    out[offset] = lTable[i]! + (x - i) * (lTable[i + 1]! - lTable[i]!);
  } else out[offset] = l99o(l);
  // h99o = atan2(f, e) + 26 deg, so rotate (e, f)/g by 26 degrees.
  x = g * G_SCALE;
  let cg: number;
  if (x < G_N) {
    const i = x | 0;
    cg = gTable[i]! + (x - i) * (gTable[i + 1]! - gTable[i]!);
  } else cg = chromaScale(g);
  out[offset + 1] = cg * (e * COS26 - f * SIN26);
  out[offset + 2] = cg * (f * COS26 + e * SIN26);
}
