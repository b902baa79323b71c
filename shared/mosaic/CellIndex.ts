/**
 * The free-cell index: a k-d tree over cell classes (cells with identical encoded
 * features, see cellClasses.ts) that knows which classes still have free cells and
 * carries each class's dual potential. Taking or freeing a cell is O(1) plus, when a
 * class fills up or opens, one root-to-leaf walk; queries are best-bin-first with a
 * leaf budget, exact when the budget is unbounded.
 */
import { type CellClasses, groupCells } from './cellClasses.ts';
import { DIM } from './engineSpace.ts';
import { boxDist, buildKdTree, type KdTree, structureNorms, TREE_DIMS } from './kdTree.ts';

/** Which classes a query may return: with a free cell, with none, or either. */
export const Want = { free: 0, full: 1, any: 2 } as const;
/** One of {@link Want}'s values. */
export type Want = (typeof Want)[keyof typeof Want];

/** Free-cell index over cell classes; see the file comment. */
export class CellIndex {
  /** Number of cells. */
  readonly cells: number;
  /** The cell classes. */
  readonly cls: CellClasses;
  /** Class vectors in tree order (position p at p*DIM). */
  readonly pts: Int8Array;
  /** Class -> tree position. */
  readonly classPos: Int32Array;
  /** Per tree position: the class's structure norm. */
  private readonly norm: Float32Array;
  private readonly tree: KdTree;
  /** Per class: free cells, which are the first ones of its member segment. */
  private readonly freeCnt: Int32Array;
  /** Per tree position: potential, the search's exclusion flag, and 1 while the class has a free cell. */
  private readonly v: Float32Array;
  private readonly openAt: Uint8Array;
  private readonly used: Uint8Array;
  private readonly usedList: number[] = [];
  /** Per node: classes with a free cell, and the highest potential. */
  private readonly openIn: Int32Array;
  private readonly maxV: Float32Array;
  private readonly heapNode = new Int32Array(2048);
  private readonly heapLb = new Float64Array(2048);
  private readonly path = new Int32Array(64);
  /** Free cells left. */
  freeCount: number;
  /** Key (cost minus potential) of the last {@link best} answer. */
  lastKey = Infinity;
  /** Squared distance of the last {@link best} answer. */
  lastDist = Infinity;

  /** Groups and indexes `n` encoded cell vectors (cell order); every cell starts free at potential 0. */
  constructor(vecs: Int8Array, n: number, leafSize = 8) {
    this.cells = n;
    this.freeCount = n;
    this.cls = groupCells(vecs, n);
    const k = this.cls.count;
    this.tree = buildKdTree(this.cls.vec, k, leafSize);
    this.pts = new Int8Array(k * DIM);
    this.classPos = new Int32Array(k);
    for (let p = 0; p < k; p++) {
      const c = this.tree.order[p]!;
      this.classPos[c] = p;
      this.pts.set(this.cls.vec.subarray(c * DIM, c * DIM + DIM), p * DIM);
    }
    this.norm = structureNorms(this.pts, k);
    this.freeCnt = new Int32Array(k);
    for (let c = 0; c < k; c++) this.freeCnt[c] = this.cls.start[c + 1]! - this.cls.start[c]!;
    this.v = new Float32Array(k);
    this.used = new Uint8Array(k);
    this.openAt = new Uint8Array(k).fill(1);
    this.openIn = new Int32Array(this.tree.nodes);
    for (let i = 0; i < this.tree.nodes; i++) this.openIn[i] = this.tree.hi[i]! - this.tree.lo[i]!;
    this.maxV = new Float32Array(this.tree.nodes);
  }

  /** The class of a cell. */
  classOf(cell: number): number {
    return this.cls.classOf[cell]!;
  }

  /** True when the cell holds no tile. */
  isFree(cell: number): boolean {
    const k = this.cls.classOf[cell]!;
    return this.cls.at[cell]! < this.cls.start[k]! + this.freeCnt[k]!;
  }

  /** Marks a free cell taken. */
  take(cell: number): void {
    const k = this.cls.classOf[cell]!;
    this.swapMembers(this.cls.at[cell]!, this.cls.start[k]! + this.freeCnt[k]! - 1);
    this.freeCount--;
    if (--this.freeCnt[k]! === 0) this.addOpen(this.classPos[k]!, -1);
  }

  /** Marks a taken cell free. */
  release(cell: number): void {
    const k = this.cls.classOf[cell]!;
    this.swapMembers(this.cls.at[cell]!, this.cls.start[k]! + this.freeCnt[k]!);
    this.freeCount++;
    if (this.freeCnt[k]!++ === 0) this.addOpen(this.classPos[k]!, 1);
  }

  /** True when class k has a free cell. */
  isOpen(k: number): boolean {
    return this.freeCnt[k]! > 0;
  }

  /** A free cell of class k, the `r`-th fraction (0 <= r < 1) of its free cells. */
  freeCellOf(k: number, r: number): number {
    return this.cls.members[this.cls.start[k]! + Math.floor(r * this.freeCnt[k]!)]!;
  }

  private swapMembers(i: number, j: number): void {
    const { members, at } = this.cls;
    const a = members[i]!;
    const b = members[j]!;
    members[i] = b;
    members[j] = a;
    at[b] = i;
    at[a] = j;
  }

  /** Fills `path` from the root to the leaf holding tree position p; returns its length. */
  private pathTo(p: number): number {
    const { left, hi } = this.tree;
    let n = 0;
    let node = 0;
    for (;;) {
      this.path[n++] = node;
      const l = left[node]!;
      if (l < 0) return n;
      node = p < hi[l]! ? l : l + 1;
    }
  }

  private addOpen(p: number, delta: number): void {
    this.openAt[p] = delta > 0 ? 1 : 0;
    const n = this.pathTo(p);
    for (let i = 0; i < n; i++) this.openIn[this.path[i]!]! += delta;
  }

  /** The class's potential (0 until the assignment search lowers it). */
  potential(k: number): number {
    return this.v[this.classPos[k]!]!;
  }

  /** Sets the class's potential, keeping the subtree maxima right. */
  setPotential(k: number, value: number): void {
    const p = this.classPos[k]!;
    this.v[p] = value;
    const n = this.pathTo(p);
    const leaf = this.path[n - 1]!;
    let m = -Infinity;
    for (let q = this.tree.lo[leaf]!; q < this.tree.hi[leaf]!; q++) if (this.v[q]! > m) m = this.v[q]!;
    this.maxV[leaf] = m;
    for (let i = n - 2; i >= 0; i--) {
      const l = this.tree.left[this.path[i]!]!;
      this.maxV[this.path[i]!] = Math.max(this.maxV[l]!, this.maxV[l + 1]!);
    }
  }

  /** Excludes a class from {@link best} answers until {@link clearUsed}. */
  use(k: number): void {
    const p = this.classPos[k]!;
    if (this.used[p] === 0) {
      this.used[p] = 1;
      this.usedList.push(p);
    }
  }

  /** True when the class was excluded by {@link use}. */
  isUsed(k: number): boolean {
    return this.used[this.classPos[k]!] === 1;
  }

  /** Lifts every {@link use} exclusion. */
  clearUsed(): void {
    for (const p of this.usedList) this.used[p] = 0;
    this.usedList.length = 0;
  }

  private has(node: number, want: Want): boolean {
    if (want === Want.any) return true;
    const open = this.openIn[node]!;
    return want === Want.free ? open > 0 : open < this.tree.hi[node]! - this.tree.lo[node]!;
  }

  /**
   * The class minimising cost - potential for encoded vector `q` (at `qo`) among the
   * classes `want` allows and not excluded by {@link use}; cost is the squared distance
   * (`power` 2) or the distance (`power` 1). Visits at most `maxLeaves` leaves, best
   * bound first. Returns -1 when none; see {@link lastKey} and {@link lastDist}.
   */
  best(q: Int8Array, qo: number, want: Want, power: 1 | 2, maxLeaves = Infinity): number {
    const { left, lo, hi, box, order, splitDim, splitVal, normMin, normMax } = this.tree;
    const { openAt, openIn, used, pts, v, heapNode, heapLb, maxV, norm } = this;
    // |q_s - c_s| >= | |q_s| - |c_s| | bounds the structure part (triangle inequality).
    let qn = 0;
    for (let k = TREE_DIMS; k < DIM; k++) qn += q[qo + k]! * q[qo + k]!;
    qn = Math.sqrt(qn);
    const wantOpen = want === Want.free ? 1 : 0;
    let best = Infinity;
    let bestPos = -1;
    let bestD = Infinity;
    let heapLen = 0;
    let leaves = 0;
    if (this.cls.count > 0 && this.has(0, want)) {
      heapNode[0] = 0;
      heapLb[0] = -Infinity;
      heapLen = 1;
    }
    while (heapLen > 0 && leaves < maxLeaves) {
      let node = heapNode[0]!;
      const lb0 = heapLb[0]!;
      heapLen--;
      if (heapLen > 0) siftDown(heapNode, heapLb, heapLen, heapNode[heapLen]!, heapLb[heapLen]!);
      if (lb0 >= best) break;
      // Descend to a leaf, queueing the farther child; subtrees with nothing wanted are skipped.
      for (;;) {
        const l = left[node]!;
        if (l < 0) {
          leaves++;
          for (let p = lo[node]!, end = hi[node]!; p < end; p++) {
            if (used[p] === 1 || (want !== Want.any && openAt[p] !== wantOpen)) continue;
            const vp = v[p]!;
            // Partial distance elimination: stop summing once this class cannot win.
            const thr = best + vp;
            if (thr <= 0) continue;
            const lim = power === 2 ? thr : thr * thr;
            const o = p * DIM;
            let x = q[qo]! - pts[o]!;
            let d = x * x;
            x = q[qo + 1]! - pts[o + 1]!;
            d += x * x;
            x = q[qo + 2]! - pts[o + 2]!;
            d += x * x;
            if (d >= lim) continue;
            const dn = qn - norm[p]!;
            if (d + dn * dn >= lim) continue;
            for (let k = 3; k < DIM; k++) {
              x = q[qo + k]! - pts[o + k]!;
              d += x * x;
            }
            if (d >= lim) continue;
            best = (power === 2 ? d : Math.sqrt(d)) - vp;
            bestPos = p;
            bestD = d;
          }
          break;
        }
        // Go to the split's side of q first; only the other side needs a box bound now.
        const r = l + 1;
        const nearL = q[qo + splitDim[node]!]! <= splitVal[node]!;
        const near = nearL ? l : r;
        const far = nearL ? r : l;
        const okNear = want === Want.any || (want === Want.free ? openIn[near]! > 0 : openIn[near]! < hi[near]! - lo[near]!);
        const okFar = want === Want.any || (want === Want.free ? openIn[far]! > 0 : openIn[far]! < hi[far]! - lo[far]!);
        if (okFar) {
          const sn = qn > normMax[far]! ? qn - normMax[far]! : normMin[far]! > qn ? normMin[far]! - qn : 0;
          const bf = boxDist(q, qo, box, far * 2 * TREE_DIMS) + sn * sn;
          const kf = (power === 2 ? bf : Math.sqrt(bf)) - maxV[far]!;
          if (!okNear) {
            if (kf >= best) break;
            node = far;
            continue;
          }
          if (kf < best && heapLen < heapNode.length) siftUp(heapNode, heapLb, heapLen++, far, kf);
        } else if (!okNear) break;
        node = near;
      }
    }
    this.lastKey = best;
    this.lastDist = bestD;
    return bestPos < 0 ? -1 : order[bestPos]!;
  }

  /** Bytes held by this index's typed arrays. */
  bytes(): number {
    const c = this.cls;
    const t = this.tree;
    return (
      c.vec.byteLength * 2 +
      this.norm.byteLength +
      t.normMin.byteLength * 2 +
      c.classOf.byteLength +
      c.start.byteLength +
      c.members.byteLength +
      c.at.byteLength +
      t.order.byteLength +
      t.lo.byteLength * 3 +
      t.box.byteLength +
      this.classPos.byteLength +
      this.freeCnt.byteLength +
      this.v.byteLength +
      this.used.byteLength +
      this.openIn.byteLength +
      this.maxV.byteLength
    );
  }
}

function siftUp(node: Int32Array, lb: Float64Array, i: number, n: number, k: number): void {
  while (i > 0) {
    const p = (i - 1) >> 1;
    if (lb[p]! <= k) break;
    node[i] = node[p]!;
    lb[i] = lb[p]!;
    i = p;
  }
  node[i] = n;
  lb[i] = k;
}

function siftDown(node: Int32Array, lb: Float64Array, len: number, n: number, k: number): void {
  let i = 0;
  for (;;) {
    let c = 2 * i + 1;
    if (c >= len) break;
    if (c + 1 < len && lb[c + 1]! < lb[c]!) c++;
    if (lb[c]! >= k) break;
    node[i] = node[c]!;
    lb[i] = lb[c]!;
    i = c;
  }
  node[i] = n;
  lb[i] = k;
}
