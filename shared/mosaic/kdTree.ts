/**
 * A static k-d tree over encoded vectors: nodes in flat arrays, median splits on the
 * widest dimension, byte bounding boxes for lower bounds. Built once per grid.
 */
import { DIM } from './engineSpace.ts';

/** The tree's flat arrays. Node 0 is the root; node n's children are left[n] and left[n]+1. */
export interface KdTree {
  /** Point index at each tree position. */
  order: Int32Array;
  lo: Int32Array;
  hi: Int32Array;
  /** First child, or -1 for a leaf. */
  left: Int32Array;
  /** Per node: DIM minima then DIM maxima. */
  box: Int8Array;
  /** Per internal node: the split dimension and value (left <= value <= right). */
  splitDim: Uint8Array;
  splitVal: Int8Array;
  nodes: number;
}

/** Builds the tree over `size` vectors of DIM bytes. */
export function buildKdTree(vecs: Int8Array, size: number, leafSize: number): KdTree {
  const maxNodes = Math.max(1, 4 * Math.ceil(size / leafSize) + 2);
  const t: KdTree = {
    order: new Int32Array(size),
    lo: new Int32Array(maxNodes),
    hi: new Int32Array(maxNodes),
    left: new Int32Array(maxNodes).fill(-1),
    box: new Int8Array(maxNodes * 2 * DIM),
    splitDim: new Uint8Array(maxNodes),
    splitVal: new Int8Array(maxNodes),
    nodes: 1,
  };
  for (let i = 0; i < size; i++) t.order[i] = i;
  t.hi[0] = size;
  const hist = new Int32Array(256);
  const todo: number[] = size > 0 ? [0] : [];
  while (todo.length > 0) {
    const node = todo.pop()!;
    const lo = t.lo[node]!;
    const hi = t.hi[node]!;
    const b = node * 2 * DIM;
    t.box.fill(127, b, b + DIM);
    t.box.fill(-128, b + DIM, b + 2 * DIM);
    for (let i = lo; i < hi; i++) {
      const v = t.order[i]! * DIM;
      for (let d = 0; d < DIM; d++) {
        const x = vecs[v + d]!;
        if (x < t.box[b + d]!) t.box[b + d] = x;
        if (x > t.box[b + DIM + d]!) t.box[b + DIM + d] = x;
      }
    }
    if (hi - lo <= leafSize) continue;
    let dim = 0;
    let spread = -1;
    for (let d = 0; d < DIM; d++) {
      const s = t.box[b + DIM + d]! - t.box[b + d]!;
      if (s > spread) {
        spread = s;
        dim = d;
      }
    }
    const mid = lo + ((hi - lo) >> 1);
    t.splitDim[node] = dim;
    t.splitVal[node] = partition(t.order, vecs, lo, hi, mid, dim, hist);
    const l = t.nodes;
    t.nodes += 2;
    t.lo[l] = lo;
    t.hi[l] = mid;
    t.lo[l + 1] = mid;
    t.hi[l + 1] = hi;
    t.left[node] = l;
    todo.push(l, l + 1);
  }
  return t;
}

/** Reorders o[lo..hi) so every key left of `mid` is <= every key from `mid` on; returns the pivot key. */
function partition(
  o: Int32Array,
  vecs: Int8Array,
  lo: number,
  hi: number,
  mid: number,
  dim: number,
  hist: Int32Array,
): number {
  hist.fill(0);
  for (let i = lo; i < hi; i++) hist[vecs[o[i]! * DIM + dim]! + 128]!++;
  let m = 0;
  let below = 0;
  while (below + hist[m]! <= mid - lo) below += hist[m++]!;
  const pivot = m - 128;
  // Dutch-flag partition into < pivot, == pivot, > pivot; mid lands in the == block.
  let lt = lo;
  let i = lo;
  let gt = hi;
  while (i < gt) {
    const c = o[i]!;
    const k = vecs[c * DIM + dim]!;
    if (k < pivot) {
      o[i] = o[lt]!;
      o[lt++] = c;
      i++;
    } else if (k > pivot) {
      o[i] = o[--gt]!;
      o[gt] = c;
    } else i++;
  }
  return pivot;
}

/** Squared distance from a query to a node's box (0 inside). */
export function boxDist(q: Int8Array, qo: number, box: Int8Array, b: number): number {
  let s = 0;
  for (let k = 0; k < DIM; k++) {
    const x = q[qo + k]!;
    const mn = box[b + k]!;
    if (x < mn) {
      s += (mn - x) * (mn - x);
      continue;
    }
    const mx = box[b + DIM + k]!;
    if (x > mx) s += (x - mx) * (x - mx);
  }
  return s;
}
