/**
 * One step of the Hungarian method, done online, sparsely and epsilon-relaxed: the
 * newcomer reaches a free cell along a shortest augmenting path in reduced costs
 * (cost - class potential - tile potential) over cell classes, a transportation
 * problem. Dijkstra's edges come lazily from the cell index: each reached tile offers
 * its best class with a free cell and, one at a time, its best full classes; reaching
 * a full class evicts that class's worst-placed tile, which goes on searching. The search stops once no unexplored path can beat the best free
 * cell found by more than `epsilon`, or when its pop budget is spent. The potentials
 * are then updated as the Hungarian method does, so later tiles see which cells are
 * contested; the result is epsilon-optimal in the exact case (total <= optimum + n*eps).
 */
import { Want } from './CellIndex.ts';
import type { MosaicState } from './MosaicState.ts';

/** Reusable scratch space for {@link augment}; one per grid. */
export class AugmentBuffers {
  readonly tile: Int32Array;
  readonly via: Int32Array;
  readonly parent: Int32Array;
  readonly depth: Int32Array;
  readonly dist: Float64Array;
  readonly u: Float64Array;
  readonly itemKey: Float64Array;
  readonly itemEntry: Int32Array;
  readonly itemClass: Int32Array;
  /** -1 for a class offer, else the index of the member to evict next. */
  readonly itemMember: Int32Array;
  readonly heap: Int32Array;
  readonly settledClass: Int32Array;
  readonly settledDist: Float64Array;

  constructor(readonly capacity: number) {
    const n = capacity + 1;
    this.tile = new Int32Array(n);
    this.via = new Int32Array(n);
    this.parent = new Int32Array(n);
    this.depth = new Int32Array(n);
    this.dist = new Float64Array(n);
    this.u = new Float64Array(n);
    this.itemKey = new Float64Array(2 * n + 2);
    this.itemEntry = new Int32Array(2 * n + 2);
    this.itemClass = new Int32Array(2 * n + 2);
    this.itemMember = new Int32Array(2 * n + 2);
    this.heap = new Int32Array(2 * n + 2);
    this.settledClass = new Int32Array(n);
    this.settledDist = new Float64Array(n);
  }
}

/**
 * Places unplaced tile `x` by an epsilon-shortest augmenting path with at most
 * `maxMoves` evictions, popping at most `buf.capacity` full classes. Calls
 * `moved(slot, from)` for each evicted tile and returns how many moved.
 */
export function augment(
  st: MosaicState,
  x: number,
  maxMoves: number,
  buf: AugmentBuffers,
  moved: (slot: number, from: number) => void,
): number {
  const { tile, via, parent, depth, dist, u, itemKey, itemEntry, itemClass, itemMember, heap } = buf;
  const { settledClass, settledDist } = buf;
  const index = st.index;
  const { costPower: power, leafBudget, epsilon, membersPerClass } = st.tuning;
  const vec = st.tiles.vec;
  let entries = 0;
  let items = 0;
  let heapLen = 0;
  let settled = 0;
  let endEntry = -1;
  let endClass = -1;
  let total = Infinity;

  const queue = (key: number, e: number, k: number, member: number) => {
    const it = items++;
    itemKey[it] = key;
    itemEntry[it] = e;
    itemClass[it] = k;
    itemMember[it] = member;
    heapPush(heap, heapLen++, it, itemKey);
  };
  /** Queues entry e's best unused full class, if it may still evict. */
  const offerFull = (e: number) => {
    if (depth[e]! >= maxMoves) return;
    const k = index.best(vec, tile[e]! * st.dim, Want.full, power, leafBudget);
    if (k >= 0) queue(dist[e]! + index.lastKey - u[e]!, e, k, -1);
  };
  const addEntry = (t: number, c: number, p: number, d: number, ut: number) => {
    const e = entries++;
    tile[e] = t;
    via[e] = c;
    parent[e] = p;
    depth[e] = p < 0 ? 0 : depth[p]! + 1;
    dist[e] = d;
    u[e] = ut;
    // Classes only fill up between removals, so a tile's best open class stays best while open.
    let g = st.tiles.bestOpen[t]!;
    let key: number;
    if (g >= 0 && index.isOpen(g)) key = d + st.cost(t, g) - ut;
    else {
      g = index.best(vec, t * st.dim, Want.free, power, leafBudget);
      st.tiles.bestOpen[t] = g;
      key = d + index.lastKey - ut;
    }
    if (g >= 0 && key < total) {
      total = key;
      endEntry = e;
      endClass = g;
    }
    offerFull(e);
  };

  addEntry(x, -1, -1, 0, 0);
  for (let pops = 0; heapLen > 0 && pops < buf.capacity; pops++) {
    const it = heap[0]!;
    const d = itemKey[it]!;
    if (d + epsilon >= total) break;
    heapLen = heapPop(heap, heapLen, itemKey);
    const e = itemEntry[it]!;
    const k = itemClass[it]!;
    const m = itemMember[it]!;
    if (m >= 0) {
      // Class k was settled at distance d from entry e: evict its m-th member, queue the next.
      const z = st.members.at(k, m);
      if (m + 1 < membersPerClass && m + 1 < st.members.count(k)) queue(d, e, k, m + 1);
      addEntry(z, st.tiles.cell[z]!, e, d, st.cost(z, k) - index.potential(k));
      continue;
    }
    offerFull(e);
    if (index.isUsed(k)) continue;
    index.use(k);
    settledClass[settled] = k;
    settledDist[settled++] = d;
    queue(d, e, k, 0);
  }
  index.clearUsed();
  if (endEntry < 0) throw new Error('no free cell');
  // Hungarian potential update: every class settled below the end gets dearer to enter.
  for (let i = 0; i < settled; i++) {
    const d = settledDist[i]!;
    const k = settledClass[i]!;
    if (d < total) index.setPotential(k, index.potential(k) - (total - d));
  }
  const endCell = index.freeCellOf(endClass, st.rng());
  for (let e = endEntry; e > 0; e = parent[e]!) st.lift(tile[e]!);
  st.put(tile[endEntry]!, endCell);
  for (let e = endEntry; e > 0; e = parent[e]!) {
    st.put(tile[parent[e]!]!, via[e]!);
    moved(tile[e]!, via[e]!);
  }
  return depth[endEntry]!;
}

function heapPush(heap: Int32Array, i: number, item: number, key: Float64Array): void {
  const k = key[item]!;
  while (i > 0) {
    const p = (i - 1) >> 1;
    if (key[heap[p]!]! <= k) break;
    heap[i] = heap[p]!;
    i = p;
  }
  heap[i] = item;
}

/** Removes the top item; returns the new length. */
function heapPop(heap: Int32Array, len: number, key: Float64Array): number {
  const n = len - 1;
  if (n === 0) return 0;
  const item = heap[n]!;
  const k = key[item]!;
  let i = 0;
  for (;;) {
    let c = 2 * i + 1;
    if (c >= n) break;
    if (c + 1 < n && key[heap[c + 1]!]! < key[heap[c]!]!) c++;
    if (key[heap[c]!]! >= k) break;
    heap[i] = heap[c]!;
    i = c;
  }
  heap[i] = item;
  return n;
}
