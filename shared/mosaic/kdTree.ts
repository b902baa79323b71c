/**
 * A static k-d tree over encoded vectors: nodes in flat arrays, median splits on the
 * widest dimension, byte bounding boxes for lower bounds. Built once per grid.
 */
import { DIM } from './engineSpace.ts';

/**
 * Dimensions the tree splits on and bounds by: the mean colour, which dominates the
 * distance. Bounds on a subset of dimensions stay valid lower bounds, and in three
 * dimensions they are cheap and tight even for queries far from every cell.
 */
export const TREE_DIMS = 3;

/** The tree's flat arrays. Node 0 is the root; node n's children are left[n] and left[n]+1. */
export interface KdTree {
  /** Point index at each tree position. */
  order: Int32Array;
  lo: Int32Array;
  hi: Int32Array;
  /** First child, or -1 for a leaf. */
  left: Int32Array;
  /** Per node: TREE_DIMS minima then TREE_DIMS maxima. */
  box: Int8Array;
  /** Per node: the least and greatest structure norm (length of dimensions TREE_DIMS..DIM). */
  normMin: Float32Array;
  normMax: Float32Array;
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
    box: new Int8Array(maxNodes * 2 * TREE_DIMS),
    normMin: new Float32Array(maxNodes),
    normMax: new Float32Array(maxNodes),
    splitDim: new Uint8Array(maxNodes),
    splitVal: new Int8Array(maxNodes),
    nodes: 1,
  };
  for (let i = 0; i < size; i++) t.order[i] = i;
  t.hi[0] = size;
  const norms = structureNorms(vecs, size);
  const hist = new Int32Array(256);
  const todo: number[] = size > 0 ? [0] : [];
  while (todo.length > 0) {
    const node = todo.pop()!;
    const lo = t.lo[node]!;
    const hi = t.hi[node]!;
    const b = node * 2 * TREE_DIMS;
    t.box.fill(127, b, b + TREE_DIMS);
    t.box.fill(-128, b + TREE_DIMS, b + 2 * TREE_DIMS);
    let nMin = Infinity;
    let nMax = 0;
    for (let i = lo; i < hi; i++) {
      const nrm = norms[t.order[i]!]!;
      if (nrm < nMin) nMin = nrm;
      if (nrm > nMax) nMax = nrm;
      const v = t.order[i]! * DIM;
      for (let d = 0; d < TREE_DIMS; d++) {
        const x = vecs[v + d]!;
        if (x < t.box[b + d]!) t.box[b + d] = x;
        if (x > t.box[b + TREE_DIMS + d]!) t.box[b + TREE_DIMS + d] = x;
      }
    }
    t.normMin[node] = nMin;
    t.normMax[node] = nMax;
    if (hi - lo <= leafSize) continue;
    let dim = 0;
    let spread = -1;
    for (let d = 0; d < TREE_DIMS; d++) {
      const s = t.box[b + TREE_DIMS + d]! - t.box[b + d]!;
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

/** Length of each vector's structure part (dimensions TREE_DIMS..DIM). */
export function structureNorms(vecs: Int8Array, size: number): Float32Array {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    let s = 0;
    for (let d = TREE_DIMS; d < DIM; d++) s += vecs[i * DIM + d]! * vecs[i * DIM + d]!;
    out[i] = Math.sqrt(s);
  }
  return out;
}

/** Squared distance from a query to a node's box over the tree's dimensions (0 inside). */
export function boxDist(q: Int8Array, qo: number, box: Int8Array, b: number): number {
  let s = 0;
  for (let k = 0; k < TREE_DIMS; k++) {
    const x = q[qo + k]!;
    const mn = box[b + k]!;
    if (x < mn) {
      s += (mn - x) * (mn - x);
      continue;
    }
    const mx = box[b + TREE_DIMS + k]!;
    if (x > mx) s += (x - mx) * (x - mx);
  }
  return s;
}
