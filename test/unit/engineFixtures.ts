/**
 * ASCII-grid fixtures for the engine tests: one letter per cell, each letter a flat colour.
 */
import { FEATURE_LEN, srgbToLab } from '../../shared/mosaic/index.ts';

/** The palette the fixtures draw with. */
export const PALETTE: Record<string, [number, number, number]> = {
  K: [0, 0, 0],
  k: [40, 40, 40],
  g: [128, 128, 128],
  W: [255, 255, 255],
  R: [220, 20, 30],
  G: [30, 200, 40],
  B: [20, 40, 220],
  Y: [240, 220, 20],
};

/** Features of a flat-coloured patch of one palette letter. */
export function flat(letter: string): Float32Array {
  const rgb = PALETTE[letter];
  if (!rgb) throw new Error(`no colour for ${letter}`);
  const f = new Float32Array(FEATURE_LEN);
  for (let o = 0; o < FEATURE_LEN; o += 3) srgbToLab(rgb[0], rgb[1], rgb[2], f, o);
  return f;
}

/** Features of a patch split in two halves: `top` on the upper sub-rows, `bottom` on the last. */
export function split(top: string, bottom: string): Float32Array {
  const t = flat(top);
  const b = flat(bottom);
  const f = new Float32Array(FEATURE_LEN);
  for (let s = 0; s < 9; s++) f.set((s < 6 ? t : b).subarray(0, 3), 3 + s * 3);
  const mean = [0, 1, 2].map((k) => (2 * t[k]! + b[k]!) / 3);
  f.set(mean, 0);
  return f;
}

/** Parses an ASCII grid (rows separated by newlines or spaces) into cols, rows and cell features. */
export function grid(ascii: string): { cols: number; rows: number; cellFeatures: Float32Array } {
  const lines = ascii.trim().split(/\s+/);
  const rows = lines.length;
  const cols = lines[0]!.length;
  const cellFeatures = new Float32Array(cols * rows * FEATURE_LEN);
  lines.forEach((line, r) => {
    if (line.length !== cols) throw new Error('ragged grid');
    [...line].forEach((ch, c) => {
      cellFeatures.set(flat(ch), (r * cols + c) * FEATURE_LEN);
    });
  });
  return { cols, rows, cellFeatures };
}

/** Draws the mosaic as an ASCII grid of tile letters ('.' for free), given each tile id's letter. */
export function draw(
  placements: { id: number; col: number; row: number }[],
  cols: number,
  rows: number,
  letters: Map<number, string>,
): string {
  const cells = Array.from({ length: rows }, () => Array<string>(cols).fill('.'));
  for (const p of placements) cells[p.row]![p.col] = letters.get(p.id) ?? '?';
  return cells.map((r) => r.join('')).join('\n');
}
