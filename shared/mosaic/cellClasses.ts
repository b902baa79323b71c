/**
 * Groups cells whose encoded features are identical into classes. A smooth target
 * has few distinct vectors (about 42k for a million cells of assets/target.svg), and
 * cells of one class cost the same for every tile, so the index works on classes.
 */
import { DIM } from './engineSpace.ts';

/** Cells grouped by identical encoded vector, in compressed sparse rows. */
export interface CellClasses {
  /** Number of classes. */
  count: number;
  /** Class vectors, DIM bytes each. */
  vec: Int8Array;
  /** Cell -> class. */
  classOf: Int32Array;
  /** Class k's cells are members[start[k] .. start[k+1]). */
  start: Int32Array;
  members: Int32Array;
  /** Cell -> its index in `members`. */
  at: Int32Array;
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
  const classOf = new Int32Array(n);
  const firstCell: number[] = [];
  for (let c = 0; c < n; c++) {
    let h = hashAt(vecs, c * DIM) & (size - 1);
    for (;;) {
      const k = table[h]!;
      if (k < 0) {
        table[h] = firstCell.length;
        classOf[c] = firstCell.length;
        firstCell.push(c);
        break;
      }
      if (same(vecs, firstCell[k]! * DIM, vecs, c * DIM)) {
        classOf[c] = k;
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
  for (let c = 0; c < n; c++) start[classOf[c]! + 1]!++;
  for (let k = 0; k < count; k++) start[k + 1]! += start[k]!;
  const fill = start.slice(0, count);
  const members = new Int32Array(n);
  const at = new Int32Array(n);
  for (let c = 0; c < n; c++) {
    const i = fill[classOf[c]!]!++;
    members[i] = c;
    at[c] = i;
  }
  return { count, vec, classOf, start, members, at };
}
