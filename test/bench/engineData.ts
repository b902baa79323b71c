/**
 * Bench data for the placement engine: a library of synthetic, photo-like tiles
 * (portraits, couples, landscapes, blobs, night scenes, plus noise) rendered with
 * sharp, and target pictures rasterised to a grid. No `run` export: a helper module.
 */
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { FEATURE_LEN, featuresFromSubgrid, gridFeatures, mulberry32 } from '../../shared/mosaic/index.ts';

/** Side of one tile in pixels (divisible by 3 for features and 4 for the 4x score). */
export const TILE_PX = 24;

/** Tiles as pixels and as engine features. */
export interface Library {
  size: number;
  /** size tiles of TILE_PX x TILE_PX RGB, one after another. */
  px: Uint8Array;
  features: Float32Array;
}

/** A target picture at TILE_PX pixels per cell, with its cell features. */
export interface Target {
  name: string;
  cols: number;
  rows: number;
  px: Uint8Array;
  cellFeatures: Float32Array;
}

type Rng = () => number;
const pick = <T>(rng: Rng, xs: T[]): T => xs[Math.floor(rng() * xs.length)]!;
const hsl = (h: number, s: number, l: number) => `hsl(${h.toFixed(0)},${s.toFixed(0)}%,${l.toFixed(0)}%)`;
const around = (rng: Rng, c: number, spread: number) => c + (rng() - 0.5) * 2 * spread;

function photoSvg(rng: Rng, id: string): string {
  const bgA = hsl(rng() * 360, rng() * 70, 10 + rng() * 80);
  const bgB = hsl(rng() * 360, rng() * 60, 10 + rng() * 80);
  const grad = `<linearGradient id="g${id}" x1="${rng()}" y1="0" x2="${rng()}" y2="1"><stop offset="0" stop-color="${bgA}"/><stop offset="1" stop-color="${bgB}"/></linearGradient>`;
  const skin = () => hsl(around(rng, 25, 12), around(rng, 45, 20), around(rng, 55, 30));
  const parts: string[] = [`<rect width="24" height="24" fill="url(#g${id})"/>`];
  const kind = pick(rng, ['portrait', 'portrait', 'couple', 'landscape', 'blobs', 'night', 'closeup']);
  if (kind === 'portrait' || kind === 'closeup') {
    const s = kind === 'closeup' ? 1.7 : 1;
    const cx = around(rng, 12, 3);
    const cy = around(rng, 11, 2);
    parts.push(
      `<ellipse cx="${cx}" cy="${24}" rx="${9 * s}" ry="${7 * s}" fill="${hsl(rng() * 360, rng() * 80, rng() * 70)}"/>`,
    );
    parts.push(
      `<ellipse cx="${cx}" cy="${cy - 3 * s}" rx="${6.5 * s}" ry="${6 * s}" fill="${hsl(around(rng, 30, 20), 40, rng() * 45)}"/>`,
    );
    parts.push(`<ellipse cx="${cx}" cy="${cy}" rx="${5 * s}" ry="${6.5 * s}" fill="${skin()}"/>`);
    parts.push(`<circle cx="${cx - 2 * s}" cy="${cy - s}" r="${0.8 * s}" fill="#222"/>`);
    parts.push(`<circle cx="${cx + 2 * s}" cy="${cy - s}" r="${0.8 * s}" fill="#222"/>`);
    parts.push(
      `<ellipse cx="${cx}" cy="${cy + 3 * s}" rx="${1.8 * s}" ry="${0.7 * s}" fill="${hsl(around(rng, 355, 10), 60, 40)}"/>`,
    );
  } else if (kind === 'couple') {
    for (const cx of [around(rng, 7, 1.5), around(rng, 17, 1.5)]) {
      parts.push(`<ellipse cx="${cx}" cy="${around(rng, 11, 2)}" rx="4.5" ry="6" fill="${skin()}"/>`);
      parts.push(
        `<ellipse cx="${cx}" cy="23" rx="6" ry="6" fill="${hsl(rng() * 360, rng() * 80, rng() * 70)}"/>`,
      );
    }
  } else if (kind === 'landscape') {
    const horizon = 8 + rng() * 10;
    parts.push(
      `<rect y="${horizon}" width="24" height="${24 - horizon}" fill="${hsl(around(rng, 90, 60), 20 + rng() * 50, 15 + rng() * 40)}"/>`,
    );
    if (rng() < 0.5)
      parts.push(
        `<circle cx="${rng() * 24}" cy="${rng() * horizon}" r="${1 + rng() * 3}" fill="${hsl(45, 90, 75 + rng() * 20)}"/>`,
      );
  } else if (kind === 'night') {
    parts[0] = `<rect width="24" height="24" fill="${hsl(rng() * 360, 40, rng() * 12)}"/>`;
    for (let i = 0; i < 2 + rng() * 6; i++) {
      parts.push(
        `<circle cx="${rng() * 24}" cy="${rng() * 24}" r="${0.5 + rng() * 2}" fill="${hsl(rng() * 360, 80, 60 + rng() * 35)}"/>`,
      );
    }
  } else {
    for (let i = 0; i < 2 + rng() * 5; i++) {
      parts.push(
        `<ellipse cx="${rng() * 24}" cy="${rng() * 24}" rx="${2 + rng() * 8}" ry="${2 + rng() * 8}" fill="${hsl(rng() * 360, rng() * 90, 10 + rng() * 80)}" fill-opacity="${0.5 + rng() * 0.5}"/>`,
      );
    }
  }
  return `<defs>${grad}</defs>${parts.join('')}`;
}

/** Renders `n` photo-like tiles (seeded), adds sensor-like noise, and computes their features. */
export async function makeLibrary(n: number, seed: number): Promise<Library> {
  const rng = mulberry32(seed);
  const perRow = 32;
  const rowsOf = Math.ceil(n / perRow);
  const w = perRow * TILE_PX;
  const h = rowsOf * TILE_PX;
  const cells: string[] = [];
  for (let i = 0; i < n; i++) {
    const x = (i % perRow) * TILE_PX;
    const y = Math.floor(i / perRow) * TILE_PX;
    cells.push(
      `<svg x="${x}" y="${y}" width="24" height="24" viewBox="0 0 24 24" overflow="hidden">${photoSvg(rng, String(i))}</svg>`,
    );
  }
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}">${cells.join('')}</svg>`;
  const sheet = await sharp(Buffer.from(svg)).removeAlpha().raw().toBuffer();
  const px = new Uint8Array(n * TILE_PX * TILE_PX * 3);
  for (let i = 0; i < n; i++) {
    const noise = rng() * 14;
    const x0 = (i % perRow) * TILE_PX;
    const y0 = Math.floor(i / perRow) * TILE_PX;
    for (let y = 0; y < TILE_PX; y++) {
      for (let x = 0; x < TILE_PX; x++) {
        for (let k = 0; k < 3; k++) {
          const v = sheet[((y0 + y) * w + x0 + x) * 3 + k]! + (rng() + rng() - 1) * noise;
          px[((i * TILE_PX + y) * TILE_PX + x) * 3 + k] = Math.max(0, Math.min(255, Math.round(v)));
        }
      }
    }
  }
  const features = new Float32Array(n * FEATURE_LEN);
  const sub = new Uint8Array(27);
  for (let i = 0; i < n; i++) {
    blockMeans(px.subarray(i * TILE_PX * TILE_PX * 3), TILE_PX, 0, 0, TILE_PX, 3, sub);
    featuresFromSubgrid(sub, 3, features, i * FEATURE_LEN);
  }
  return { size: n, px, features };
}

/**
 * Box-averages the `side` x `side` pixel block at (x0, y0) of an RGB image `width` wide
 * into k x k blocks, written to `out` (k*k*3 bytes, rounded) and returned.
 */
export function blockMeans(
  px: Uint8Array,
  width: number,
  x0: number,
  y0: number,
  side: number,
  k: number,
  out: Uint8Array,
): Uint8Array {
  const b = side / k;
  for (let by = 0; by < k; by++) {
    for (let bx = 0; bx < k; bx++) {
      let r = 0;
      let g = 0;
      let bl = 0;
      for (let y = 0; y < b; y++) {
        let i = ((y0 + by * b + y) * width + x0 + bx * b) * 3;
        for (let x = 0; x < b; x++, i += 3) {
          r += px[i]!;
          g += px[i + 1]!;
          bl += px[i + 2]!;
        }
      }
      const o = (by * k + bx) * 3;
      out[o] = Math.round(r / (b * b));
      out[o + 1] = Math.round(g / (b * b));
      out[o + 2] = Math.round(bl / (b * b));
    }
  }
  return out;
}

/** Rasterises an SVG target at TILE_PX pixels per cell and computes its cell features. */
export async function rasterTarget(name: string, svg: Buffer, cols: number, rows: number): Promise<Target> {
  const w = cols * TILE_PX;
  const px = new Uint8Array(
    await sharp(svg, { density: 300 })
      .resize(w, rows * TILE_PX, { fit: 'fill' })
      .removeAlpha()
      .raw()
      .toBuffer(),
  );
  const small = new Uint8Array(cols * 3 * rows * 3 * 3);
  const sub = new Uint8Array(27);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      blockMeans(px, w, c * TILE_PX, r * TILE_PX, TILE_PX, 3, sub);
      for (let y = 0; y < 3; y++)
        small.set(sub.subarray(y * 9, y * 9 + 9), ((r * 3 + y) * cols * 3 + c * 3) * 3);
    }
  }
  return { name, cols, rows, px, cellFeatures: gridFeatures(small, 3, cols, rows) };
}

/** Cell features of an SVG target at a large grid, rendered straight to cols*3 x rows*3 pixels. */
export async function targetFeatures(svg: Buffer, cols: number, rows: number): Promise<Float32Array> {
  const px = await sharp(svg, { density: 600 })
    .resize(cols * 3, rows * 3, { fit: 'fill' })
    .removeAlpha()
    .raw()
    .toBuffer();
  return gridFeatures(new Uint8Array(px), 3, cols, rows);
}

/** The project's target picture, assets/target.svg. */
export function projectTargetSvg(): Buffer {
  return readFileSync(new URL('../../assets/target.svg', import.meta.url));
}

/** A second, photo-like kiss target of the bench's own: two silhouettes and a heart at sunset. */
export function sunsetKissSvg(): Buffer {
  return Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 400 250" width="400" height="250">
  <defs>
    <linearGradient id="sky" x1="0" y1="0" x2="0" y2="1">
      <stop offset="0" stop-color="#2b1055"/><stop offset="0.45" stop-color="#d53a63"/>
      <stop offset="0.7" stop-color="#fd9a4e"/><stop offset="1" stop-color="#ffe29a"/>
    </linearGradient>
    <radialGradient id="sun" cx="0.5" cy="0.5" r="0.5">
      <stop offset="0" stop-color="#fff6d0"/><stop offset="1" stop-color="#ffb347" stop-opacity="0"/>
    </radialGradient>
  </defs>
  <rect width="400" height="250" fill="url(#sky)"/>
  <circle cx="200" cy="150" r="90" fill="url(#sun)"/>
  <path d="M0 205 Q100 185 200 200 T400 195 V250 H0Z" fill="#1d3b2a"/>
  <path d="M60 250 V170 Q60 120 105 100 Q135 88 160 100 Q178 110 184 128 L193 140 L183 146 L190 156 L182 162 Q184 178 168 182 Q150 186 150 200 L160 250Z" fill="#1a1030"/>
  <path d="M340 250 V170 Q340 118 296 98 Q262 86 238 102 Q222 114 216 130 L207 141 L217 147 L210 157 L218 163 Q216 179 232 183 Q250 187 250 202 L240 250Z" fill="#3a0f2a"/>
  <path d="M200 75 C185 55 160 70 175 90 L200 112 L225 90 C240 70 215 55 200 75Z" fill="#ff2d6f"/>
  <rect x="0" y="232" width="400" height="6" fill="#e40303"/><rect x="0" y="238" width="400" height="6" fill="#ffed00"/>
  <rect x="0" y="244" width="400" height="6" fill="#24408e"/>
</svg>`);
}
