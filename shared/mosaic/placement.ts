/**
 * Online placement of one arrival: the best free cell, improved by a bounded
 * chain of evictions (the newcomer takes a taken cell when its occupant has a
 * cheap free cell to go to) and by random improving swaps among placed tiles.
 */
import { Want } from './CellIndex.ts';
import type { MosaicState } from './MosaicState.ts';

/** Cost changes smaller than this are noise, not improvements. */
const EPS = 1e-9;

/** A tile moved by an arrival, with the cell it started from. */
export interface Moved {
  slot: number;
  from: number;
}

/**
 * Places tile `slot` (unplaced) and spends at most `maxMoves` moves of other tiles
 * improving the total cost. Returns the other tiles moved, in first-moved order.
 * Deterministic for a given state and rng.
 */
export function placeArrival(st: MosaicState, slot: number, maxMoves: number, rng: () => number): Moved[] {
  const touched = new Int32Array(2 * maxMoves + 2);
  let nTouched = 0;
  const moved: Moved[] = [];
  const note = (s: number, from: number) => {
    if (!moved.some((m) => m.slot === s)) moved.push({ slot: s, from });
  };
  let budget = maxMoves;
  let x = slot;
  let gx = st.nearest(x, Want.free);
  if (gx < 0) throw new Error('no free cell');
  while (budget > 0) {
    const c = st.nearest(x, Want.taken, touched, nTouched);
    if (c < 0) break;
    const cxc = st.cost(x, c);
    const cxg = st.cost(x, gx);
    if (cxc >= cxg) break;
    const y = st.occ[c]!;
    const gy = st.nearest(y, Want.free);
    // x takes c and y goes to its own best free cell, instead of x going to gx.
    if (cxc - st.cost(y, c) + st.cost(y, gy) - cxg >= -EPS) break;
    st.lift(y);
    st.put(x, c);
    touched[nTouched++] = c;
    note(y, c);
    budget--;
    x = y;
    gx = gy;
  }
  st.put(x, gx);
  touched[nTouched++] = gx;
  for (let a = 0; a < st.tuning.refineAttempts && budget > 0; a++) {
    const u = Math.floor(rng() * st.tiles.top);
    if (st.tiles.ids[u] === 0) continue;
    budget -= improveTile(st, u, budget, touched, nTouched, note);
  }
  return moved;
}

/**
 * Tries one improving move for placed tile `u`: to a cheaper free cell, or a swap
 * with the occupant of its nearest other cell. Returns the number of moves made.
 */
export function improveTile(
  st: MosaicState,
  u: number,
  budget: number,
  skip: Int32Array,
  skipLen: number,
  note?: (slot: number, from: number) => void,
): number {
  const cu = st.tiles.cell[u]!;
  if (cu < 0) return 0;
  const guard = skipLen < skip.length ? skipLen : skip.length - 1;
  const saved = skip[guard]!;
  skip[guard] = cu;
  const c = st.nearest(u, Want.any, skip, guard + 1);
  skip[guard] = saved;
  if (c < 0) return 0;
  const cur = st.cost(u, cu);
  const v = st.occ[c]!;
  if (v < 0) {
    if (st.cost(u, c) >= cur - EPS) return 0;
    st.lift(u);
    st.put(u, c);
    note?.(u, cu);
    return 1;
  }
  if (budget < 2) return 0;
  const gain = cur + st.cost(v, c) - st.cost(u, c) - st.cost(v, cu);
  if (gain <= EPS) return 0;
  st.lift(u);
  st.lift(v);
  st.put(u, c);
  st.put(v, cu);
  note?.(u, cu);
  note?.(v, c);
  return 2;
}
