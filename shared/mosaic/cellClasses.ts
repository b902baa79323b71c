/**
 * Groups cells whose encoded features are identical into classes. A smooth target
 * has few distinct vectors (about 42k for a million cells of assets/target.svg), and
 * cells of one class cost the same for every tile, so the index works on classes.
 */
import { DIM } from './engineSpace.ts';

/**
 * Int32 words per cell in a grid's cell records: everything the engine keeps per cell
 * sits in one 32-byte record, so placing a tile in a random cell costs one cache miss,
 * not one per array.
 */
export const CELL_STRIDE = 8;
/** Record word: the cell's class. */
export const CELL_CLASS = 0;
/** Record word: the cell's index in `members`. */
export const CELL_AT = 1;
/** Record word: the slot of the tile in the cell, or -1 (kept by MosaicState). */
export const CELL_OCC = 2;
/** Record words 3-5: the cell's mean colour in sRGB as float32 (kept by MosaicState). */
export const CELL_RGB = 3;

/** Cells grouped by identical encoded vector, in compressed sparse rows. */
export interface CellClasses {
  /** Number of classes. */
  count: number;
  /** Class vectors, DIM bytes each. */
  vec: Int8Array;
  /** Cell records, CELL_STRIDE words each (CELL_CLASS and CELL_AT filled here). */
  rec: Int32Array;
  /** Class k's cells are members[start[k] .. start[k+1]). */
  start: Int32Array;
  members: Int32Array;
}

function hashAt(v: Int8Array, o: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < DIM; i++) h = Math.imul(h ^ (v[o + i]! & 0xff), 0x01000193);
  return h >>> 0;
}

function same(a: Int8Array, ao: number, b: Int8Array, bo: number): boolean {
  for (let i = 0; i < DIM; i++) if (a[ao + i] !== b[bo + i]) return false;
  return true;
}

/** Groups `n` encoded cell vectors; classes are numbered in order of first appearance. */
export function groupCells(vecs: Int8Array, n: number): CellClasses {
  let size = 1024;
  while (size < n * 2) size *= 2;
  const table = new Int32Array(size).fill(-1);
  const rec = new Int32Array(n * CELL_STRIDE);
  const firstCell: number[] = [];
  for (let c = 0; c < n; c++) {
    let h = hashAt(vecs, c * DIM) & (size - 1);
    for (;;) {
      const k = table[h]!;
      if (k < 0) {
        table[h] = firstCell.length;
        rec[c * CELL_STRIDE + CELL_CLASS] = firstCell.length;
        firstCell.push(c);
        break;
      }
      if (same(vecs, firstCell[k]! * DIM, vecs, c * DIM)) {
        rec[c * CELL_STRIDE + CELL_CLASS] = k;
        break;
      }
      h = (h + 1) & (size - 1);
    }
  }
  const count = firstCell.length;
  const vec = new Int8Array(count * DIM);
  firstCell.forEach((c, k) => {
    vec.set(vecs.subarray(c * DIM, c * DIM + DIM), k * DIM);
  });
  const start = new Int32Array(count + 1);
  for (let c = 0; c < n; c++) start[rec[c * CELL_STRIDE + CELL_CLASS]! + 1]!++;
  for (let k = 0; k < count; k++) start[k + 1]! += start[k]!;
  const fill = start.slice(0, count);
  const members = new Int32Array(n);
  for (let c = 0; c < n; c++) {
    const i = fill[rec[c * CELL_STRIDE + CELL_CLASS]!]!++;
    members[i] = c;
    rec[c * CELL_STRIDE + CELL_AT] = i;
  }
  return { count, vec, rec, start, members };
}
