/**
 * The free-cell index: a k-d tree over cell classes (cells with identical encoded
 * features, see cellClasses.ts) that knows which classes still have free cells and
 * carries each class's dual potential. Taking or freeing a cell is O(1) plus, when a
 * class fills up or opens, one root-to-leaf walk; queries are best-bin-first with a
 * leaf budget, exact when the budget is unbounded. {@link CellIndex.bestNear} puts
 * per-voxel candidate lists (VoxelLists.ts) in front of the tree.
 *
 * This class tracks which cells of each class are free and keeps the per-class arrays
 * (ClassTable.ts) current; the searches (ClassSearch.ts, VoxelLists.ts) only read them.
 */

import { ClassSearch, NONE_OF_KIND } from './ClassSearch.ts';
import { ClassTable, Want } from './ClassTable.ts';
import { CELL_AT, CELL_CLASS, CELL_STRIDE, type CellClasses, groupCells } from './cellClasses.ts';
import { VoxelLists } from './VoxelLists.ts';

export { Want } from './ClassTable.ts';

/** Free-cell index over cell classes; see the file comment. */
export class CellIndex {
  /** Number of cells. */
  readonly cells: number;
  /** The cell classes. */
  readonly cls: CellClasses;
  /** The per-class arrays the searches read, in tree order. */
  readonly table: ClassTable;
  /** Per class: free cells, which are the first ones of its member segment. */
  private readonly freeCnt: Int32Array;
  private readonly search: ClassSearch;
  /** Free cells left. */
  freeCount: number;
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
    this.table = new ClassTable(this.cls.vec, k, typeof leafSize === 'number' ? leafSize : leafSize(k));
    this.freeCnt = new Int32Array(k);
    for (let c = 0; c < k; c++) this.freeCnt[c] = this.cls.start[c + 1]! - this.cls.start[c]!;
    this.search = new ClassSearch(this.table);
    this.lists = candidates > 0 ? new VoxelLists(this.table, candidates, voxelShift, openCandidates) : null;
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
    if (--this.freeCnt[k]! === 0) this.table.setOpen(k, false);
  }

  /** Marks a taken cell free. */
  release(cell: number): void {
    const r = cell * CELL_STRIDE;
    const k = this.cls.rec[r + CELL_CLASS]!;
    this.swapMembers(this.cls.rec[r + CELL_AT]!, this.cls.start[k]! + this.freeCnt[k]!);
    this.freeCount++;
    if (this.freeCnt[k]!++ === 0) this.table.setOpen(k, true);
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

  /** Key (cost minus potential) of the last {@link best} or {@link bestNear} answer. */
  get lastKey(): number {
    return this.search.lastKey;
  }

  /** Squared distance of the last {@link best} or {@link bestNear} answer. */
  get lastDist(): number {
    return this.search.lastDist;
  }

  /** The class's potential (0 until the assignment search lowers it). */
  potential(k: number): number {
    return this.table.potential(k);
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
    this.table.setPotential(k, value, this.looseMaxima);
  }

  /** Excludes a class from {@link best} answers until {@link clearUsed}. */
  use(k: number): void {
    this.table.use(k);
  }

  /** True when the class was excluded by {@link use}. */
  isUsed(k: number): boolean {
    return this.table.isUsed(k);
  }

  /** Lifts every {@link use} exclusion. */
  clearUsed(): void {
    this.table.clearUsed();
  }

  /**
   * The class minimising cost - potential for encoded vector `q` (at `qo`) among the
   * classes `want` allows and not excluded by {@link use}; cost is the squared distance
   * (`power` 2) or the distance (`power` 1), with a key below `bound`. Visits at most
   * `maxLeaves` leaves, best bound first. Returns -1 when none; see {@link lastKey} and {@link lastDist}.
   */
  best(q: Int8Array, qo: number, want: Want, power: 1 | 2, maxLeaves = Infinity, bound = Infinity): number {
    return this.search.tree(q, qo, want, power, maxLeaves, bound);
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
    let p = this.search.scan(lists.entries, lists.vecs, lists.norms, at, size, q, qo, want, power, bound);
    if (p === NONE_OF_KIND && want === Want.free) {
      at = lists.open(vox, true);
      p = this.search.scan(lists.entries, lists.vecs, lists.norms, at, size, q, qo, want, power, bound);
    }
    if (p >= 0) return this.table.tree.order[p]!;
    if (p === -1 || want !== Want.free) return -1;
    return this.best(q, qo, want, power, maxLeaves, bound);
  }

  /** Bytes held by this index's typed arrays. */
  bytes(): number {
    const c = this.cls;
    return (
      c.vec.byteLength +
      c.rec.byteLength +
      c.start.byteLength +
      c.members.byteLength +
      this.freeCnt.byteLength +
      this.table.bytes() +
      (this.lists?.bytes() ?? 0)
    );
  }
}
