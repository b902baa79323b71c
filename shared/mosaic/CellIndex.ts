/**
 * A k-d tree over the cells' encoded features that knows which cells are free.
 * Built once per grid (cells never change until growth); taking or freeing a cell
 * only updates counters on its root-to-leaf path, so queries skip full subtrees.
 */
import { DIM } from './engineSpace.ts';

/** Which cells a query may return. */
export const Want = { free: 0, taken: 1, any: 2 } as const;
/** One of {@link Want}'s values. */
export type Want = (typeof Want)[keyof typeof Want];

/** Nearest-cell index with free/taken bookkeeping; see the file comment. */
export class CellIndex {
  /** Number of cells. */
  readonly size: number;
  /** Encoded cell vectors in tree order (position p at p*DIM). */
  readonly pts: Int8Array;
  /** Cell index -> tree position. */
  readonly pos: Int32Array;
  /** Tree position -> cell index. */
  private readonly order: Int32Array;
  private readonly free: Uint8Array;
  private readonly lo: Int32Array;
  private readonly hi: Int32Array;
  private readonly left: Int32Array;
  private readonly freeIn: Int32Array;
  private readonly box: Int8Array;
  private nodes = 0;
  private readonly stackNode = new Int32Array(256);
  private readonly stackLb = new Float64Array(256);
  /** Free cells left. */
  freeCount: number;
  /** Squared distance of the last {@link nearest} answer (Infinity when none). */
  lastDist = Infinity;
  /** Cells found by the last {@link knn}, nearest first. */
  readonly resCell = new Int32Array(64);
  /** Squared distances matching {@link resCell}. */
  readonly resDist = new Float64Array(64);

  /** Builds the tree over `size` encoded vectors (cell order); every cell starts free. */
  constructor(vecs: Int8Array, size: number, leafSize = 12) {
    this.size = size;
    this.freeCount = size;
    this.order = new Int32Array(size);
    for (let i = 0; i < size; i++) this.order[i] = i;
    const maxNodes = Math.max(1, 4 * Math.ceil(size / leafSize) + 2);
    this.lo = new Int32Array(maxNodes);
    this.hi = new Int32Array(maxNodes);
    this.left = new Int32Array(maxNodes);
    this.freeIn = new Int32Array(maxNodes);
    this.box = new Int8Array(maxNodes * 2 * DIM);
    if (size > 0) this.build(vecs, leafSize);
    this.pts = new Int8Array(size * DIM);
    this.pos = new Int32Array(size);
    this.free = new Uint8Array(size).fill(1);
    for (let p = 0; p < size; p++) {
      const c = this.order[p]!;
      this.pos[c] = p;
      this.pts.set(vecs.subarray(c * DIM, c * DIM + DIM), p * DIM);
    }
  }

  private build(vecs: Int8Array, leafSize: number): void {
    const hist = new Int32Array(256);
    const todo: number[] = [0];
    this.newNode(0, this.size);
    while (todo.length > 0) {
      const node = todo.pop()!;
      const lo = this.lo[node]!;
      const hi = this.hi[node]!;
      const b = node * 2 * DIM;
      this.box.fill(127, b, b + DIM);
      this.box.fill(-128, b + DIM, b + 2 * DIM);
      for (let i = lo; i < hi; i++) {
        const v = this.order[i]! * DIM;
        for (let d = 0; d < DIM; d++) {
          const x = vecs[v + d]!;
          if (x < this.box[b + d]!) this.box[b + d] = x;
          if (x > this.box[b + DIM + d]!) this.box[b + DIM + d] = x;
        }
      }
      if (hi - lo <= leafSize) {
        this.left[node] = -1;
        continue;
      }
      let dim = 0;
      let spread = -1;
      for (let d = 0; d < DIM; d++) {
        const s = this.box[b + DIM + d]! - this.box[b + d]!;
        if (s > spread) {
          spread = s;
          dim = d;
        }
      }
      const mid = lo + ((hi - lo) >> 1);
      this.partition(vecs, lo, hi, mid, dim, hist);
      const l = this.newNode(lo, mid);
      this.newNode(mid, hi);
      this.left[node] = l;
      todo.push(l, l + 1);
    }
  }

  private newNode(lo: number, hi: number): number {
    const n = this.nodes++;
    this.lo[n] = lo;
    this.hi[n] = hi;
    this.freeIn[n] = hi - lo;
    return n;
  }

  /** Reorders order[lo..hi) so every key left of `mid` is <= every key from `mid` on. */
  private partition(
    vecs: Int8Array,
    lo: number,
    hi: number,
    mid: number,
    dim: number,
    hist: Int32Array,
  ): void {
    hist.fill(0);
    const o = this.order;
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
  }

  /** True when the cell holds no tile. */
  isFree(cell: number): boolean {
    return this.free[this.pos[cell]!] === 1;
  }

  /** Marks a cell free or taken, keeping the subtree counters right. */
  setFree(cell: number, isFree: boolean): void {
    const p = this.pos[cell]!;
    const was = this.free[p] === 1;
    if (was === isFree) return;
    this.free[p] = isFree ? 1 : 0;
    const delta = isFree ? 1 : -1;
    this.freeCount += delta;
    let node = 0;
    for (;;) {
      this.freeIn[node]! += delta;
      const l = this.left[node]!;
      if (l < 0) return;
      node = p < this.hi[l]! ? l : l + 1;
    }
  }

  /**
   * The cell nearest to encoded vector `q` (at `qo`) among those `want` allows,
   * skipping cells listed in `skip[0..skipLen)`. Returns -1 when none; the squared
   * distance is left in {@link lastDist}.
   */
  nearest(q: Int8Array, qo: number, want: Want, skip?: Int32Array, skipLen = 0): number {
    const n = this.knn(q, qo, want, 1, skip, skipLen);
    this.lastDist = n > 0 ? this.resDist[0]! : Infinity;
    return n > 0 ? this.resCell[0]! : -1;
  }

  /**
   * The up to `k` (<= 64) nearest cells `want` allows, nearest first, into
   * {@link resCell} / {@link resDist} (squared distances). Returns how many were found.
   */
  knn(q: Int8Array, qo: number, want: Want, k: number, skip?: Int32Array, skipLen = 0): number {
    const resCell = this.resCell;
    const resDist = this.resDist;
    let found = 0;
    let worst = Infinity;
    if (this.size === 0 || k <= 0) return 0;
    const free = this.free;
    const pts = this.pts;
    const box = this.box;
    const sn = this.stackNode;
    const sl = this.stackLb;
    sn[0] = 0;
    sl[0] = 0;
    let top = 1;
    while (top > 0) {
      top--;
      if (sl[top]! >= worst) continue;
      const node = sn[top]!;
      const lo = this.lo[node]!;
      const hi = this.hi[node]!;
      const nFree = this.freeIn[node]!;
      if (want === Want.free ? nFree === 0 : want === Want.taken ? nFree === hi - lo : false) continue;
      const l = this.left[node]!;
      if (l < 0) {
        for (let p = lo; p < hi; p++) {
          if (want === Want.free ? free[p] === 0 : want === Want.taken ? free[p] === 1 : false) continue;
          let d = 0;
          const v = p * DIM;
          for (let j = 0; j < DIM; j++) {
            const x = q[qo + j]! - pts[v + j]!;
            d += x * x;
          }
          if (d >= worst) continue;
          const cell = this.order[p]!;
          if (isSkipped(cell, skip, skipLen)) continue;
          // Insertion into the small sorted result list.
          let i = found < k ? found++ : k - 1;
          while (i > 0 && resDist[i - 1]! > d) {
            resDist[i] = resDist[i - 1]!;
            resCell[i] = resCell[i - 1]!;
            i--;
          }
          resDist[i] = d;
          resCell[i] = cell;
          if (found === k) worst = resDist[k - 1]!;
        }
        continue;
      }
      const dl = boxDist(q, qo, box, l * 2 * DIM);
      const dr = boxDist(q, qo, box, (l + 1) * 2 * DIM);
      // Push the farther child first so the nearer one is searched first.
      if (dl <= dr) {
        if (dr < worst) {
          sn[top] = l + 1;
          sl[top++] = dr;
        }
        if (dl < worst) {
          sn[top] = l;
          sl[top++] = dl;
        }
      } else {
        if (dl < worst) {
          sn[top] = l;
          sl[top++] = dl;
        }
        if (dr < worst) {
          sn[top] = l + 1;
          sl[top++] = dr;
        }
      }
    }
    return found;
  }

  /** Approximate bytes held by this index. */
  bytes(): number {
    return (
      this.pts.byteLength +
      this.pos.byteLength +
      this.order.byteLength +
      this.free.byteLength +
      this.lo.byteLength * 4 +
      this.box.byteLength
    );
  }
}

function isSkipped(cell: number, skip: Int32Array | undefined, len: number): boolean {
  for (let i = 0; i < len; i++) if (skip![i] === cell) return true;
  return false;
}

function boxDist(q: Int8Array, qo: number, box: Int8Array, b: number): number {
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
