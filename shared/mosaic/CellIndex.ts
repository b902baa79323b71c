/**
 * The free-cell index: a k-d tree over cell classes (cells with identical encoded
 * features, see cellClasses.ts) that knows which classes still have free cells and
 * carries each class's dual potential. Taking or freeing a cell is O(1) plus, when a
 * class fills up or opens, one root-to-leaf walk; queries are best-bin-first with a
 * leaf budget, exact when the budget is unbounded. {@link CellIndex.bestNear} puts
 * per-voxel candidate lists (VoxelLists.ts) in front of the tree.
 */
import { CELL_AT, CELL_CLASS, CELL_STRIDE, type CellClasses, groupCells } from './cellClasses.ts';
import { NONE_OF_KIND, OPEN, scanList, searchCells, USED, Want } from './cellSearch.ts';
import { DIM } from './engineSpace.ts';
import { buildKdTree, type KdTree, structureNorms } from './kdTree.ts';
import { VoxelLists } from './VoxelLists.ts';

export { Want } from './cellSearch.ts';

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
  readonly norm: Float32Array;
  /** The k-d tree over classes. */
  readonly tree: KdTree;
  /** Per class: free cells, which are the first ones of its member segment. */
  private readonly freeCnt: Int32Array;
  /** Per tree position: potential. */
  readonly v: Float32Array;
  /** Per tree position: {@link OPEN} while the class has a free cell, plus {@link USED} while excluded. */
  readonly state: Uint8Array;
  private usedList = new Int32Array(64);
  private usedCount = 0;
  /** Per node: classes with a free cell, and the highest potential. */
  readonly openIn: Int32Array;
  readonly maxV: Float32Array;
  /** Search scratch: the best-bin-first heap. */
  readonly heapNode = new Int32Array(2048);
  readonly heapLb = new Float64Array(2048);
  private readonly path = new Int32Array(64);
  /** Free cells left. */
  freeCount: number;
  /** Key (cost minus potential) of the last {@link best} answer. */
  lastKey = Infinity;
  /** Squared distance of the last {@link best} answer. */
  lastDist = Infinity;
  /** Per-voxel candidate lists for {@link bestNear}, or null when off. */
  readonly lists: VoxelLists | null;

  /**
   * Groups and indexes `n` encoded cell vectors (cell order); every cell starts free at
   * potential 0. `candidates` > 0 turns on {@link bestNear}'s lists of that length over
   * voxels of 2^voxelShift steps. `leafSize` may depend on the number of classes.
   */
  constructor(
    vecs: Int8Array,
    n: number,
    leafSize: number | ((classes: number) => number) = 8,
    candidates = 0,
    voxelShift = 3,
    openCandidates = candidates,
  ) {
    this.cells = n;
    this.freeCount = n;
    this.cls = groupCells(vecs, n);
    const k = this.cls.count;
    this.tree = buildKdTree(this.cls.vec, k, typeof leafSize === 'number' ? leafSize : leafSize(k));
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
    this.state = new Uint8Array(k).fill(OPEN);
    this.openIn = new Int32Array(this.tree.nodes);
    for (let i = 0; i < this.tree.nodes; i++) this.openIn[i] = this.tree.hi[i]! - this.tree.lo[i]!;
    this.maxV = new Float32Array(this.tree.nodes);
    this.lists = candidates > 0 ? new VoxelLists(this, candidates, voxelShift, openCandidates) : null;
  }

  /** The class of a cell. */
  classOf(cell: number): number {
    return this.cls.rec[cell * CELL_STRIDE + CELL_CLASS]!;
  }

  /** True when the cell holds no tile. */
  isFree(cell: number): boolean {
    const r = cell * CELL_STRIDE;
    const k = this.cls.rec[r + CELL_CLASS]!;
    return this.cls.rec[r + CELL_AT]! < this.cls.start[k]! + this.freeCnt[k]!;
  }

  /** Marks a free cell taken. */
  take(cell: number): void {
    const r = cell * CELL_STRIDE;
    const k = this.cls.rec[r + CELL_CLASS]!;
    this.swapMembers(this.cls.rec[r + CELL_AT]!, this.cls.start[k]! + this.freeCnt[k]! - 1);
    this.freeCount--;
    if (--this.freeCnt[k]! === 0) this.addOpen(this.classPos[k]!, -1);
  }

  /** Marks a taken cell free. */
  release(cell: number): void {
    const r = cell * CELL_STRIDE;
    const k = this.cls.rec[r + CELL_CLASS]!;
    this.swapMembers(this.cls.rec[r + CELL_AT]!, this.cls.start[k]! + this.freeCnt[k]!);
    this.freeCount++;
    if (this.freeCnt[k]!++ === 0) this.addOpen(this.classPos[k]!, 1);
  }

  /** True when class k has a free cell. */
  isOpen(k: number): boolean {
    return this.freeCnt[k]! > 0;
  }

  /**
   * The free cell of class k that {@link take} takes without moving any other: the last
   * of its free members. After {@link shuffleMembers}, a random one.
   */
  freeCellOf(k: number): number {
    return this.cls.members[this.cls.start[k]! + this.freeCnt[k]! - 1]!;
  }

  /**
   * Puts each class's cells in a random order (Fisher-Yates with `rng`), while all are
   * free, so that {@link freeCellOf} fills a class in a random order of its cells at the
   * cost of one cache miss (the cell's record) instead of three (two more records moved).
   */
  shuffleMembers(rng: () => number): void {
    if (this.freeCount !== this.cells) throw new Error('shuffleMembers after cells were taken');
    const { members, rec, start } = this.cls;
    for (let k = 0; k < this.cls.count; k++) {
      const s = start[k]!;
      for (let i = start[k + 1]! - 1; i > s; i--) {
        const j = s + Math.floor(rng() * (i - s + 1));
        const a = members[i]!;
        members[i] = members[j]!;
        members[j] = a;
      }
    }
    for (let i = 0; i < this.cells; i++) rec[members[i]! * CELL_STRIDE + CELL_AT] = i;
  }

  private swapMembers(i: number, j: number): void {
    if (i === j) return;
    const { members, rec } = this.cls;
    const a = members[i]!;
    const b = members[j]!;
    members[i] = b;
    members[j] = a;
    rec[b * CELL_STRIDE + CELL_AT] = i;
    rec[a * CELL_STRIDE + CELL_AT] = j;
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
    this.state[p] = delta > 0 ? this.state[p]! | OPEN : this.state[p]! & ~OPEN;
    const n = this.pathTo(p);
    for (let i = 0; i < n; i++) this.openIn[this.path[i]!]! += delta;
  }

  /** The class's potential (0 until the assignment search lowers it). */
  potential(k: number): number {
    return this.v[this.classPos[k]!]!;
  }

  /**
   * When true, lowering a potential leaves the subtree maxima as they were: still upper
   * bounds, so every search stays correct and exact ones exact, but a budgeted search may
   * visit leaves in another order. Set on large grids, where the tree is only a fallback
   * behind the voxel lists and the walk up the tree on every lowering is wasted.
   */
  looseMaxima = false;

  /** Sets the class's potential, keeping the subtree maxima right (see {@link looseMaxima}). */
  setPotential(k: number, value: number): void {
    const p = this.classPos[k]!;
    const lower = value <= this.v[p]!;
    this.v[p] = value;
    if (lower && this.looseMaxima) return;
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
    if ((this.state[p]! & USED) === 0) {
      this.state[p] = this.state[p]! | USED;
      if (this.usedCount === this.usedList.length) {
        const u = new Int32Array(this.usedCount * 2);
        u.set(this.usedList);
        this.usedList = u;
      }
      this.usedList[this.usedCount++] = p;
    }
  }

  /** True when the class was excluded by {@link use}. */
  isUsed(k: number): boolean {
    return (this.state[this.classPos[k]!]! & USED) !== 0;
  }

  /** Lifts every {@link use} exclusion. */
  clearUsed(): void {
    for (let i = 0; i < this.usedCount; i++) {
      const p = this.usedList[i]!;
      this.state[p] = this.state[p]! & ~USED;
    }
    this.usedCount = 0;
  }

  /**
   * The class minimising cost - potential for encoded vector `q` (at `qo`) among the
   * classes `want` allows and not excluded by {@link use}; cost is the squared distance
   * (`power` 2) or the distance (`power` 1), with a key below `bound`. Visits at most
   * `maxLeaves` leaves, best bound first. Returns -1 when none; see {@link lastKey} and {@link lastDist}.
   */
  best(q: Int8Array, qo: number, want: Want, power: 1 | 2, maxLeaves = Infinity, bound = Infinity): number {
    return searchCells(this, q, qo, want, power, maxLeaves, bound);
  }

  /**
   * Like {@link best}, but first scans the query's voxel lists (see VoxelLists.ts): a
   * free class from the voxel's open list (the tree is the fallback when no listed
   * class is open even after a rebuild); a full class, when `fullFromLists`, only among
   * the voxel's nearby classes, else from the tree. Exact (the tree alone) when
   * `maxLeaves` is unbounded.
   */
  bestNear(
    q: Int8Array,
    qo: number,
    want: Want,
    power: 1 | 2,
    maxLeaves: number,
    bound: number,
    fullFromLists: boolean,
  ): number {
    const lists = this.lists;
    if (lists === null || maxLeaves === Infinity || (want === Want.full && !fullFromLists)) {
      return this.best(q, qo, want, power, maxLeaves, bound);
    }
    const vox = lists.voxelOf(q, qo, want === Want.free);
    const size = want === Want.free ? lists.openSize : lists.size;
    // Build (which may move the pool) before reading lists.entries.
    let at = want === Want.free ? lists.open(vox, false) : lists.near(vox);
    let p = scanList(this, lists.entries, lists.vecs, lists.norms, at, size, q, qo, want, power, bound);
    if (p === NONE_OF_KIND && want === Want.free) {
      at = lists.open(vox, true);
      p = scanList(this, lists.entries, lists.vecs, lists.norms, at, size, q, qo, want, power, bound);
    }
    if (p >= 0) return this.tree.order[p]!;
    if (p === -1 || want !== Want.free) return -1;
    return this.best(q, qo, want, power, maxLeaves, bound);
  }

  /** Bytes held by this index's typed arrays. */
  bytes(): number {
    const c = this.cls;
    const t = this.tree;
    return (
      c.vec.byteLength * 2 +
      this.norm.byteLength +
      t.normMin.byteLength * 2 +
      c.rec.byteLength +
      c.start.byteLength +
      c.members.byteLength +
      t.order.byteLength +
      t.lo.byteLength * 3 +
      t.box.byteLength +
      this.classPos.byteLength +
      this.freeCnt.byteLength +
      this.v.byteLength +
      this.state.byteLength +
      this.openIn.byteLength +
      this.maxV.byteLength +
      (this.lists?.bytes() ?? 0)
    );
  }
}
