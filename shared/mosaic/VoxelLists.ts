/**
 * Candidate lists that let most index queries skip the k-d tree. Mean colour space
 * (the first three encoded bytes, which dominate the cost) is cut into voxels of
 * 2^shift steps a side, and for the open lists into voxels of 2^openShift steps
 * (coarser on large grids: one rebuilt list then serves more tiles; see
 * DEFAULT_TUNING). A voxel gets, when a tile first lands in it, a list of cell
 * classes (as tree positions) of each kind:
 *   - `near`: the `size` classes whose mean colour is nearest the voxel's centre,
 *     whatever their state. Full classes a tile could evict from, and while the
 *     neighbourhood has room its open classes, are among them.
 *   - `open`: the `size` nearest classes that were open when it was (re)built; it is
 *     rebuilt once none of them is open any more, which happens late in the fill.
 * A query scans a list (a few bytes per candidate, no tree walk) and the tree is the
 * fallback. The lists are a cache: they never change which placements are valid,
 * only which candidates a bounded search looks at; a class reopened by a removal
 * appears in `open` lists only when they are next rebuilt.
 */
import { type ClassTable, OPEN, QUEUE_CAPACITY } from './ClassTable.ts';
import { DIM } from './engineSpace.ts';
import { TREE_DIMS } from './kdTree.ts';
import { heapPop, heapPush, heapReplaceTop } from './typedHeap.ts';

/** Per-voxel candidate lists over a {@link ClassTable}; see the file comment. */
export class VoxelLists {
  private readonly side: number;
  private openShift: number;
  private openSide: number;
  /** Voxel -> offset of its near list in `pool`, or -1 before its first query. */
  private readonly nearAt: Int32Array;
  /** Voxel -> offset of its open list in `pool`, or -1. */
  private openAt: Int32Array;
  /** List entries: tree positions, `size` per list (-1 pads a short list). */
  private pool: Int32Array;
  /** Per entry: a copy of its class vector (DIM bytes) and structure norm, so scans read memory in order. */
  private vecPool: Int8Array;
  private normPool: Float32Array;
  private poolLen = 0;
  // kNN scratch: the best `size` so far in a max-heap (negated keys), and the tree's node queue.
  private kPos: Int32Array;
  private kD: Float64Array;
  private readonly queueNode = new Int32Array(QUEUE_CAPACITY);
  private readonly queueKey = new Float64Array(QUEUE_CAPACITY);

  constructor(
    private readonly t: ClassTable,
    readonly size: number,
    private readonly shift: number,
    private openLen: number = size,
  ) {
    this.side = 256 >> shift;
    this.openShift = shift;
    this.openSide = this.side;
    this.nearAt = new Int32Array(this.side ** 3).fill(-1);
    this.openAt = new Int32Array(this.side ** 3).fill(-1);
    this.pool = new Int32Array(size * 64);
    this.vecPool = new Int8Array(this.pool.length * DIM);
    this.normPool = new Float32Array(this.pool.length);
    this.kPos = new Int32Array(Math.max(size, openLen));
    this.kD = new Float64Array(Math.max(size, openLen));
  }

  /** The voxel of the encoded vector at `qo` (of the open lists' voxels when `open`). */
  voxelOf(q: Int8Array, qo: number, open = false): number {
    const s = open ? this.openShift : this.shift;
    const side = open ? this.openSide : this.side;
    return (((q[qo]! + 128) >> s) * side + ((q[qo + 1]! + 128) >> s)) * side + ((q[qo + 2]! + 128) >> s);
  }

  /** Offset in {@link pool} of the voxel's near list, built on first use. */
  near(voxel: number): number {
    let at = this.nearAt[voxel]!;
    if (at < 0) {
      at = this.build(voxel, false);
      this.nearAt[voxel] = at;
    }
    return at;
  }

  /**
   * Offset of the open list of `voxel` (an open-list voxel, see {@link voxelOf});
   * rebuilt when `stale` (none of it open any more).
   */
  open(voxel: number, stale: boolean): number {
    let at = this.openAt[voxel]!;
    if (at < 0 || stale) {
      at = this.build(voxel, true, at);
      this.openAt[voxel] = at;
    }
    return at;
  }

  /** Length of the open lists. */
  get openSize(): number {
    return this.openLen;
  }

  /** Sets the open lists' length; only before the first list is built. */
  setOpenSize(n: number): void {
    if (this.poolLen > 0) throw new Error('open list length set after lists were built');
    if (!(Number.isInteger(n) && n > 0)) throw new RangeError(`bad open list length ${n}`);
    this.openLen = n;
    if (n > this.kPos.length) {
      this.kPos = new Int32Array(n);
      this.kD = new Float64Array(n);
    }
  }

  /** Sets the open lists' voxels to 2^shift steps a side; only before the first list is built. */
  setOpenShift(shift: number): void {
    if (this.poolLen > 0) throw new Error('open list voxels set after lists were built');
    if (!(Number.isInteger(shift) && shift >= 0 && shift <= 8))
      throw new RangeError(`bad voxel shift ${shift}`);
    this.openShift = shift;
    this.openSide = 256 >> shift;
    this.openAt = new Int32Array(this.openSide ** 3).fill(-1);
  }

  /** The list entries (read-only for callers). */
  get entries(): Int32Array {
    return this.pool;
  }

  /** Per entry, its class vector at entry*DIM (read-only for callers). */
  get vecs(): Int8Array {
    return this.vecPool;
  }

  /** Per entry, its class's structure norm (read-only for callers). */
  get norms(): Float32Array {
    return this.normPool;
  }

  /** Bytes held. */
  bytes(): number {
    return (
      this.nearAt.byteLength +
      this.openAt.byteLength +
      this.pool.byteLength +
      this.vecPool.byteLength +
      this.normPool.byteLength
    );
  }

  /**
   * Writes the `size` classes nearest the voxel's centre by mean colour (only open
   * ones when `onlyOpen`) into the pool, nearest first, at `reuse` or at its end.
   */
  private build(voxel: number, onlyOpen: boolean, reuse = -1): number {
    const { t, kPos, kD, queueNode, queueKey } = this;
    const size = onlyOpen ? this.openLen : this.size;
    const s = onlyOpen ? this.openShift : this.shift;
    const half = (1 << s) / 2 - 0.5;
    const side = onlyOpen ? this.openSide : this.side;
    const c0 = ((voxel / (side * side)) | 0) * (1 << s) - 128 + half;
    const c1 = (((voxel / side) | 0) % side) * (1 << s) - 128 + half;
    const c2 = (voxel % side) * (1 << s) - 128 + half;
    const { left, lo, hi, box, splitDim, splitVal } = t.tree;
    const { openIn, state, pts } = t;
    let n = 0;
    let worst = Infinity;
    // Best bin first, but each popped subtree is walked down its nearer side at once and
    // only the farther children wait in the queue, by box bound: half the queue work.
    let sp = 0;
    if (t.tree.order.length > 0 && (!onlyOpen || openIn[0]! > 0)) {
      queueNode[0] = 0;
      queueKey[0] = 0;
      sp = 1;
    }
    while (sp > 0) {
      let node = queueNode[0]!;
      if (n === size && queueKey[0]! >= worst) break;
      sp = heapPop(queueNode, queueKey, sp);
      for (;;) {
        const l = left[node]!;
        if (l < 0) {
          for (let p = lo[node]!, end = hi[node]!; p < end; p++) {
            if (onlyOpen && (state[p]! & OPEN) === 0) continue;
            const x = pts[p * DIM]! - c0;
            const y = pts[p * DIM + 1]! - c1;
            const z = pts[p * DIM + 2]! - c2;
            const d = x * x + y * y + z * z;
            if (n < size) {
              n = heapPush(kPos, kD, n, p, -d);
              if (n === size) worst = -kD[0]!;
            } else if (d < worst) {
              heapReplaceTop(kPos, kD, size, p, -d);
              worst = -kD[0]!;
            }
          }
          break;
        }
        const dim = splitDim[node]!;
        const nearL = (dim === 0 ? c0 : dim === 1 ? c1 : c2) <= splitVal[node]!;
        const near = nearL ? l : l + 1;
        const far = nearL ? l + 1 : l;
        if (!onlyOpen || openIn[far]! > 0) {
          const d = centreBoxDist(c0, c1, c2, box, far * 2 * TREE_DIMS);
          if ((n < size || d < worst) && sp < queueNode.length)
            sp = heapPush(queueNode, queueKey, sp, far, d);
        }
        if (onlyOpen && openIn[near]! === 0) break;
        if (n === size && centreBoxDist(c0, c1, c2, box, near * 2 * TREE_DIMS) >= worst) break;
        node = near;
      }
    }
    let at = reuse;
    if (at < 0) {
      if (this.poolLen + size > this.pool.length) {
        const p = new Int32Array(this.pool.length * 2);
        p.set(this.pool);
        this.pool = p;
        const v = new Int8Array(p.length * DIM);
        v.set(this.vecPool);
        this.vecPool = v;
        const nr = new Float32Array(p.length);
        nr.set(this.normPool);
        this.normPool = nr;
      }
      at = this.poolLen;
      this.poolLen += size;
    }
    // Nearest first: pop the max-heap from the back.
    const { pool, vecPool, normPool } = this;
    const norm = t.norm;
    for (let i = size - 1; i >= 0; i--) {
      if (i >= n) {
        pool[at + i] = -1;
        continue;
      }
      const p = kPos[0]!;
      pool[at + i] = p;
      const o = (at + i) * DIM;
      const po = p * DIM;
      for (let j = 0; j < DIM; j++) vecPool[o + j] = pts[po + j]!;
      normPool[at + i] = norm[p]!;
      if (i > 0) heapReplaceTop(kPos, kD, i, kPos[i]!, kD[i]!);
    }
    return at;
  }
}

function centreBoxDist(c0: number, c1: number, c2: number, box: Int8Array, b: number): number {
  return (
    axisDist(c0, box[b]!, box[b + TREE_DIMS]!) +
    axisDist(c1, box[b + 1]!, box[b + TREE_DIMS + 1]!) +
    axisDist(c2, box[b + 2]!, box[b + TREE_DIMS + 2]!)
  );
}

function axisDist(x: number, mn: number, mx: number): number {
  return x < mn ? (mn - x) * (mn - x) : x > mx ? (x - mx) * (x - mx) : 0;
}
