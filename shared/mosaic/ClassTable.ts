/**
 * The arrays the index's searches read, one entry per cell class in k-d tree order
 * (so a leaf's classes sit side by side in memory): each class's vector, structure
 * norm, dual potential and state bits, and per tree node the count of open classes and
 * the highest potential below it. {@link CellIndex} keeps them current as cells are
 * taken and freed; the tree search (ClassSearch.ts) and the voxel lists (VoxelLists.ts)
 * only read them.
 */
import { DIM } from './engineSpace.ts';
import { buildKdTree, type KdTree, structureNorms } from './kdTree.ts';

/** Which classes a query may return: with a free cell, with none, or either. */
export const Want = { free: 0, full: 1, any: 2 } as const;
/** One of {@link Want}'s values. */
export type Want = (typeof Want)[keyof typeof Want];

/** {@link ClassTable.state} bit: the class has a free cell. */
export const OPEN = 1;
/** {@link ClassTable.state} bit: the class is excluded from answers ({@link ClassTable.use}). */
export const USED = 2;

/** The state bits a class's state is compared on for `want`. */
export function stateMask(want: Want): number {
  return want === Want.any ? USED : OPEN | USED;
}

/** The value {@link stateMask}'s bits must have for a class `want` allows. */
export function stateWanted(want: Want): number {
  return want === Want.free ? OPEN : 0;
}

/**
 * Entries of a search's queue of tree nodes (the tree search's and a list build's). A
 * node that finds its queue full is not visited, so the figure is part of the answers.
 */
export const QUEUE_CAPACITY = 2048;

/** Per-class search arrays in tree order; see the file comment. */
export class ClassTable {
  /** The k-d tree over the classes. */
  readonly tree: KdTree;
  /** Class vectors in tree order (position p at p*DIM). */
  readonly pts: Int8Array;
  /** Class -> tree position. */
  readonly classPos: Int32Array;
  /** Per tree position: the class's structure norm. */
  readonly norm: Float32Array;
  /** Per tree position: potential. */
  readonly v: Float32Array;
  /** Per tree position: {@link OPEN} while the class has a free cell, plus {@link USED} while excluded. */
  readonly state: Uint8Array;
  /** Per node: classes with a free cell. */
  readonly openIn: Int32Array;
  /** Per node: the highest potential below it (an upper bound when maxima are loose). */
  readonly maxV: Float32Array;
  private readonly path = new Int32Array(64);
  private usedList = new Int32Array(64);
  private usedCount = 0;

  /** Builds the tree over `count` class vectors (class order); every class starts open at potential 0. */
  constructor(vec: Int8Array, count: number, leafSize: number) {
    this.tree = buildKdTree(vec, count, leafSize);
    this.pts = new Int8Array(count * DIM);
    this.classPos = new Int32Array(count);
    for (let p = 0; p < count; p++) {
      const c = this.tree.order[p]!;
      this.classPos[c] = p;
      this.pts.set(vec.subarray(c * DIM, c * DIM + DIM), p * DIM);
    }
    this.norm = structureNorms(this.pts, count);
    this.v = new Float32Array(count);
    this.state = new Uint8Array(count).fill(OPEN);
    this.openIn = new Int32Array(this.tree.nodes);
    for (let i = 0; i < this.tree.nodes; i++) this.openIn[i] = this.tree.hi[i]! - this.tree.lo[i]!;
    this.maxV = new Float32Array(this.tree.nodes);
  }

  /** Marks class k open (it has a free cell again) or closed (its last free cell was taken). */
  setOpen(k: number, open: boolean): void {
    const p = this.classPos[k]!;
    this.state[p] = open ? this.state[p]! | OPEN : this.state[p]! & ~OPEN;
    const n = this.pathTo(p);
    const delta = open ? 1 : -1;
    for (let i = 0; i < n; i++) this.openIn[this.path[i]!]! += delta;
  }

  /** Class k's potential. */
  potential(k: number): number {
    return this.v[this.classPos[k]!]!;
  }

  /**
   * Sets class k's potential and the subtree maxima above it; when `loose`, a lowering
   * leaves the maxima as they were (still upper bounds; see CellIndex.looseMaxima).
   */
  setPotential(k: number, value: number, loose: boolean): void {
    const p = this.classPos[k]!;
    const lower = value <= this.v[p]!;
    this.v[p] = value;
    if (lower && loose) return;
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

  /** Excludes class k from search answers until {@link clearUsed}. */
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

  /** True when class k was excluded by {@link use}. */
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

  /** True when the subtree at `node` holds a class `want` allows. */
  has(node: number, want: Want): boolean {
    if (want === Want.any) return true;
    const open = this.openIn[node]!;
    return want === Want.free ? open > 0 : open < this.tree.hi[node]! - this.tree.lo[node]!;
  }

  /** Bytes held by the tree and the per-class arrays. */
  bytes(): number {
    const t = this.tree;
    return (
      this.pts.byteLength +
      this.norm.byteLength +
      t.normMin.byteLength * 2 +
      t.order.byteLength +
      t.lo.byteLength * 3 +
      t.box.byteLength +
      this.classPos.byteLength +
      this.v.byteLength +
      this.state.byteLength +
      this.openIn.byteLength +
      this.maxV.byteLength
    );
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
}
