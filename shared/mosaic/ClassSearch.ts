/**
 * The two searches over a {@link ClassTable}: best-bin-first down the k-d tree, and a
 * scan of one voxel list (VoxelLists.ts). Keys are cost - potential; the tree's bounds
 * are its mean-colour boxes plus the structure-norm bound (triangle inequality), minus
 * the subtree's highest potential.
 */
import { type ClassTable, QUEUE_CAPACITY, stateMask, stateWanted, Want } from './ClassTable.ts';
import { DIM } from './engineSpace.ts';
import { boxDist, TREE_DIMS } from './kdTree.ts';
import { heapPop, heapPush } from './typedHeap.ts';

/** What {@link ClassSearch.scan} returns when no entry of the list is of the wanted kind. */
export const NONE_OF_KIND = -2;

/** Searches over one table, with their scratch queue and the last answer's key and distance. */
export class ClassSearch {
  /** Key (cost minus potential) of the last answer. */
  lastKey = Infinity;
  /** Squared distance of the last answer. */
  lastDist = Infinity;
  private readonly heapNode = new Int32Array(QUEUE_CAPACITY);
  private readonly heapLb = new Float64Array(QUEUE_CAPACITY);

  constructor(private readonly t: ClassTable) {}

  /**
   * The class with the least key that `want` allows, visiting at most `maxLeaves`
   * leaves, and only for keys below `bound`; -1 when none. Sets {@link lastKey} and
   * {@link lastDist}.
   */
  tree(q: Int8Array, qo: number, want: Want, power: 1 | 2, maxLeaves: number, bound: number): number {
    const t = this.t;
    const { left, lo, hi, box, order, splitDim, splitVal, normMin, normMax } = t.tree;
    const { state, openIn, pts, v, maxV, norm } = t;
    const { heapNode, heapLb } = this;
    const mask = stateMask(want);
    const wanted = stateWanted(want);
    let best = bound;
    let bestPos = -1;
    let bestD = Infinity;
    let heapLen = 0;
    let leaves = 0;
    // |q_s - c_s| >= | |q_s| - |c_s| | bounds the structure part.
    let qn = 0;
    for (let k = TREE_DIMS; k < DIM; k++) qn += q[qo + k]! * q[qo + k]!;
    qn = Math.sqrt(qn);
    if (order.length > 0 && t.has(0, want)) {
      heapNode[0] = 0;
      heapLb[0] = -Infinity;
      heapLen = 1;
    }
    while (heapLen > 0 && leaves < maxLeaves) {
      let node = heapNode[0]!;
      const lb0 = heapLb[0]!;
      heapLen = heapPop(heapNode, heapLb, heapLen);
      if (lb0 >= best) break;
      for (;;) {
        const l = left[node]!;
        if (l < 0) {
          leaves++;
          for (let p = lo[node]!, end = hi[node]!; p < end; p++) {
            if ((state[p]! & mask) !== wanted) continue;
            const vp = v[p]!;
            // Partial distance elimination: stop summing once this class cannot win.
            const thr = best + vp;
            if (thr <= 0) continue;
            const lim = power === 2 ? thr : thr * thr;
            const d = classDist(q, qo, qn, pts, p * DIM, norm[p]!, lim);
            if (d >= lim) continue;
            best = (power === 2 ? d : Math.sqrt(d)) - vp;
            bestPos = p;
            bestD = d;
          }
          break;
        }
        // Go to the split's side of q first; only the other side needs a bound now.
        const nearL = q[qo + splitDim[node]!]! <= splitVal[node]!;
        const near = nearL ? l : l + 1;
        const far = nearL ? l + 1 : l;
        const okNear =
          want === Want.any ||
          (want === Want.free ? openIn[near]! > 0 : openIn[near]! < hi[near]! - lo[near]!);
        if (
          want === Want.any ||
          (want === Want.free ? openIn[far]! > 0 : openIn[far]! < hi[far]! - lo[far]!)
        ) {
          const sn = qn > normMax[far]! ? qn - normMax[far]! : normMin[far]! > qn ? normMin[far]! - qn : 0;
          const bf = boxDist(q, qo, box, far * 2 * TREE_DIMS) + sn * sn;
          const kf = (power === 2 ? bf : Math.sqrt(bf)) - maxV[far]!;
          if (!okNear) {
            if (kf >= best) break;
            node = far;
            continue;
          }
          if (kf < best && heapLen < heapNode.length) heapLen = heapPush(heapNode, heapLb, heapLen, far, kf);
        } else if (!okNear) break;
        node = near;
      }
    }
    this.lastKey = best;
    this.lastDist = bestD;
    return bestPos < 0 ? -1 : order[bestPos]!;
  }

  /**
   * The least key below `bound` among the list entries (tree positions, -1 padding)
   * list[at .. at+size), whose vectors and structure norms are copied at vecs[at*DIM ..]
   * and norms[at ..], that `want` allows, as {@link tree} would score them.
   * Returns the tree position, -1 when none is below the bound, or {@link NONE_OF_KIND}.
   */
  scan(
    list: Int32Array,
    vecs: Int8Array,
    norms: Float32Array,
    at: number,
    size: number,
    q: Int8Array,
    qo: number,
    want: Want,
    power: 1 | 2,
    bound: number,
  ): number {
    const { state, v } = this.t;
    const mask = stateMask(want);
    const wanted = stateWanted(want);
    if (DIM !== 15) throw new Error('the list scan assumes 15-byte vectors');
    // The query in locals: each entry is compared with the same 15 bytes.
    const q0 = q[qo]!;
    const q1 = q[qo + 1]!;
    const q2 = q[qo + 2]!;
    const q3 = q[qo + 3]!;
    const q4 = q[qo + 4]!;
    const q5 = q[qo + 5]!;
    const q6 = q[qo + 6]!;
    const q7 = q[qo + 7]!;
    const q8 = q[qo + 8]!;
    const q9 = q[qo + 9]!;
    const q10 = q[qo + 10]!;
    const q11 = q[qo + 11]!;
    const q12 = q[qo + 12]!;
    const q13 = q[qo + 13]!;
    const q14 = q[qo + 14]!;
    const qn = Math.sqrt(
      q3 * q3 +
        q4 * q4 +
        q5 * q5 +
        q6 * q6 +
        q7 * q7 +
        q8 * q8 +
        q9 * q9 +
        q10 * q10 +
        q11 * q11 +
        q12 * q12 +
        q13 * q13 +
        q14 * q14,
    );
    let best = bound;
    let bestPos = NONE_OF_KIND;
    let bestD = Infinity;
    for (let i = at, end = at + size; i < end; i++) {
      const p = list[i]!;
      if (p < 0) break;
      if ((state[p]! & mask) !== wanted) continue;
      if (bestPos === NONE_OF_KIND) bestPos = -1;
      const vp = v[p]!;
      const thr = best + vp;
      if (thr <= 0) continue;
      const lim = power === 2 ? thr : thr * thr;
      // classDist's partial distance elimination, written out over the locals.
      const o = i * DIM;
      let x = q0 - vecs[o]!;
      let d = x * x;
      x = q1 - vecs[o + 1]!;
      d += x * x;
      x = q2 - vecs[o + 2]!;
      d += x * x;
      // The mean colour and the structure-norm bound in one test: one branch, not two.
      x = qn - norms[i]!;
      if (d + x * x >= lim) continue;
      x = q3 - vecs[o + 3]!;
      d += x * x;
      x = q4 - vecs[o + 4]!;
      d += x * x;
      x = q5 - vecs[o + 5]!;
      d += x * x;
      x = q6 - vecs[o + 6]!;
      d += x * x;
      x = q7 - vecs[o + 7]!;
      d += x * x;
      x = q8 - vecs[o + 8]!;
      d += x * x;
      x = q9 - vecs[o + 9]!;
      d += x * x;
      x = q10 - vecs[o + 10]!;
      d += x * x;
      x = q11 - vecs[o + 11]!;
      d += x * x;
      x = q12 - vecs[o + 12]!;
      d += x * x;
      x = q13 - vecs[o + 13]!;
      d += x * x;
      x = q14 - vecs[o + 14]!;
      d += x * x;
      if (d >= lim) continue;
      best = (power === 2 ? d : Math.sqrt(d)) - vp;
      bestPos = p;
      bestD = d;
    }
    this.lastKey = bestPos >= 0 ? best : Infinity;
    this.lastDist = bestD;
    return bestPos;
  }
}

/**
 * Squared distance from the query (vector at q[qo], structure norm qn) to the class vector
 * at pts[o] (structure norm pn), with partial distance elimination: once it cannot be below
 * `lim` it stops and returns a value >= lim (the mean colour first, then the structure-norm
 * bound, then the rest).
 */
function classDist(
  q: Int8Array,
  qo: number,
  qn: number,
  pts: Int8Array,
  o: number,
  pn: number,
  lim: number,
): number {
  let x = q[qo]! - pts[o]!;
  let d = x * x;
  x = q[qo + 1]! - pts[o + 1]!;
  d += x * x;
  x = q[qo + 2]! - pts[o + 2]!;
  d += x * x;
  if (d >= lim) return d;
  const dn = qn - pn;
  if (d + dn * dn >= lim) return lim;
  for (let k = 3; k < DIM; k++) {
    x = q[qo + k]! - pts[o + k]!;
    d += x * x;
  }
  return d;
}
