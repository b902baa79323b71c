/**
 * One step of the Hungarian method, done online, sparsely and epsilon-relaxed: the
 * newcomer reaches a free cell along a shortest augmenting path in reduced costs
 * (cost - class potential - tile potential) over cell classes, a transportation
 * problem. Dijkstra's edges come lazily from the cell index: each reached tile offers
 * its best class with a free cell and, one at a time, its best full classes; reaching
 * a full class lets its worst-placed tiles (a few, worst first) search on in turn.
 * The search stops once no unexplored path can beat the best end found by more than
 * `epsilon`, or when its budget is spent. The potentials are then updated as the
 * Hungarian method does, so later tiles see which cells are contested; unbounded, the
 * result is epsilon-optimal (total <= optimum + n * epsilon).
 */
import { Want } from './CellIndex.ts';
import type { MosaicState } from './MosaicState.ts';
import { heapPop, heapPush } from './typedHeap.ts';

/** Called for each tile an augmenting path moves, with the cell it left. */
export type MovedFn = (slot: number, from: number) => void;

/** The search with its reusable scratch space; one per grid and budget. */
export class AugmentSearch {
  // Entries: tiles reached, each with the cell it would leave, its path parent, depth, distance, potential.
  private readonly tile: Int32Array;
  private readonly via: Int32Array;
  private readonly parent: Int32Array;
  private readonly depth: Int32Array;
  private readonly dist: Float64Array;
  private readonly u: Float64Array;
  // Queue items: a full class offered by an entry (member -1), or the next member of a settled class;
  // the heap holds item numbers with their keys beside them.
  private readonly itemEntry: Int32Array;
  private readonly itemClass: Int32Array;
  private readonly itemMember: Int32Array;
  private readonly heap: Int32Array;
  private readonly heapKey: Float64Array;
  private readonly settledClass: Int32Array;
  private readonly settledDist: Float64Array;
  private st!: MosaicState;
  private maxMoves = 0;
  private entries = 0;
  private items = 0;
  private heapLen = 0;
  private queries = 0;
  /** Pops the search may still make. */
  private popsLeft = 0;
  private total = Infinity;
  private endEntry = -1;
  private endClass = -1;

  /** `capacity`: classes popped per search at most (0: plain nearest open class). */
  constructor(readonly capacity: number) {
    const n = capacity + 1;
    this.tile = new Int32Array(n);
    this.via = new Int32Array(n);
    this.parent = new Int32Array(n);
    this.depth = new Int32Array(n);
    this.dist = new Float64Array(n);
    this.u = new Float64Array(n);
    this.itemEntry = new Int32Array(2 * n + 2);
    this.itemClass = new Int32Array(2 * n + 2);
    this.itemMember = new Int32Array(2 * n + 2);
    this.heap = new Int32Array(2 * n + 2);
    this.heapKey = new Float64Array(2 * n + 2);
    this.settledClass = new Int32Array(n);
    this.settledDist = new Float64Array(n);
  }

  /**
   * Places unplaced tile `x` by an epsilon-shortest augmenting path with at most
   * `maxMoves` evictions. Calls `moved` for each evicted tile; returns how many moved.
   */
  run(st: MosaicState, x: number, maxMoves: number, moved?: MovedFn): number {
    this.st = st;
    this.maxMoves = maxMoves;
    this.entries = 0;
    this.items = 0;
    this.heapLen = 0;
    this.queries = 0;
    this.popsLeft = this.capacity;
    this.total = Infinity;
    this.endEntry = -1;
    this.endClass = -1;
    const { searchQueries } = st.tuning;
    const epsilon = st.epsilon;
    const membersPerClass = st.membersPerClass;
    const { itemEntry, itemClass, itemMember, heap, heapKey, settledClass, settledDist } = this;
    const index = st.index;
    let settled = 0;
    this.addEntry(x, -1, -1, 0, 0);
    for (let pops = 0; this.heapLen > 0 && pops < this.capacity && this.queries < searchQueries; pops++) {
      const it = heap[0]!;
      const d = heapKey[0]!;
      if (d + epsilon >= this.total) break;
      this.heapLen = heapPop(heap, heapKey, this.heapLen);
      this.popsLeft = this.capacity - pops - 1;
      const e = itemEntry[it]!;
      const k = itemClass[it]!;
      const m = itemMember[it]!;
      if (m >= 0) {
        // Class k was settled at distance d from entry e: its m-th worst tile searches on.
        const z = st.members.at(k, m);
        if (m + 1 < membersPerClass && m + 1 < st.members.count(k)) this.queue(d, e, k, m + 1);
        this.addEntry(z, st.tiles.cell[z]!, e, d, st.cost(z, k) - index.potential(k));
        continue;
      }
      // Settle k before e offers its next full class, so that offer is not k again.
      const fresh = !index.isUsed(k);
      if (fresh) {
        index.use(k);
        settledClass[settled] = k;
        settledDist[settled++] = d;
      }
      this.offerFull(e);
      if (fresh) this.queue(d, e, k, 0);
    }
    index.clearUsed();
    if (this.endEntry < 0) throw new Error('no free cell');
    // Hungarian potential update: every class settled below the end gets dearer to enter.
    for (let i = 0; i < settled; i++) {
      const d = settledDist[i]!;
      const k = settledClass[i]!;
      if (d < this.total) index.setPotential(k, index.potential(k) - (this.total - d));
    }
    return this.apply(moved);
  }

  /** Moves the tiles along the chosen path: lift every evicted tile, then put each in its new cell. */
  private apply(moved?: MovedFn): number {
    const { st, tile, via, parent } = this;
    const endCell = st.index.freeCellOf(this.endClass);
    for (let e = this.endEntry; e > 0; e = parent[e]!) st.lift(tile[e]!);
    st.put(tile[this.endEntry]!, endCell);
    for (let e = this.endEntry; e > 0; e = parent[e]!) {
      st.put(tile[parent[e]!]!, via[e]!);
      moved?.(tile[e]!, via[e]!);
    }
    return this.depth[this.endEntry]!;
  }

  private queue(key: number, e: number, k: number, member: number): void {
    const it = this.items++;
    this.itemEntry[it] = e;
    this.itemClass[it] = k;
    this.itemMember[it] = member;
    this.heapLen = heapPush(this.heap, this.heapKey, this.heapLen, it, key);
  }

  /** Queues entry e's best unused full class, if it may still evict. */
  private offerFull(e: number): void {
    const st = this.st;
    // A full class leads to an end only after two more pops (the class, then one of its tiles).
    if (this.depth[e]! >= this.maxMoves || this.popsLeft < 2 || this.queries >= st.tuning.searchQueries)
      return;
    this.queries++;
    const { costPower, leafBudget } = st.tuning;
    const epsilon = st.epsilon;
    // Only a key that could still be popped before the search stops is worth finding.
    const bound = this.total - epsilon - this.dist[e]! + this.u[e]!;
    const k = st.index.bestNear(
      st.tiles.vec,
      this.tile[e]! * st.dim,
      Want.full,
      costPower,
      leafBudget,
      bound,
      st.large,
    );
    if (k >= 0) this.queue(this.dist[e]! + st.index.lastKey - this.u[e]!, e, k, -1);
  }

  /** Reaches tile t (leaving cell c, path parent p) at distance d with potential ut. */
  private addEntry(t: number, c: number, p: number, d: number, ut: number): void {
    const st = this.st;
    const e = this.entries++;
    this.tile[e] = t;
    this.via[e] = c;
    this.parent[e] = p;
    this.depth[e] = p < 0 ? 0 : this.depth[p]! + 1;
    this.dist[e] = d;
    this.u[e] = ut;
    const { costPower, leafBudget } = st.tuning;
    // Classes only fill up between removals, so a tile's best open class stays best while open.
    let g = st.tiles.bestOpen[t]!;
    let key: number;
    if (g >= 0 && st.index.isOpen(g)) key = d + st.cost(t, g) - ut;
    else {
      this.queries++;
      // Only an end that beats the best one found so far matters; a miss leaves the cache unknown.
      g = st.index.bestNear(
        st.tiles.vec,
        t * st.dim,
        Want.free,
        costPower,
        leafBudget,
        this.total - d + ut,
        st.large,
      );
      st.tiles.bestOpen[t] = g;
      key = d + st.index.lastKey - ut;
    }
    if (g >= 0 && key < this.total) {
      this.total = key;
      this.endEntry = e;
      this.endClass = g;
    }
    this.offerFull(e);
  }
}
