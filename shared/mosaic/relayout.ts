/**
 * Growth: every tile re-assigned to a new grid as one batch. Greedy through the
 * free-cell index in a seeded random order, then passes of improving moves and
 * swaps over every tile (a 2-exchange local search on the whole assignment).
 */
import { Want } from './CellIndex.ts';
import type { MosaicState } from './MosaicState.ts';
import { improveTile } from './placement.ts';

/** Fisher-Yates shuffle driven by the injected rng. */
function shuffle(a: Int32Array, rng: () => number): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
  }
}

/**
 * Assigns every live tile of `st.tiles` (all unplaced) to a cell of `st`.
 * The caller guarantees there are at least as many cells as tiles.
 */
export function relayout(st: MosaicState, rng: () => number): void {
  const slots = st.tiles.liveSlots();
  shuffle(slots, rng);
  for (const s of slots) {
    const c = st.nearest(s, Want.free);
    if (c < 0) throw new Error('relayout: more tiles than cells');
    st.put(s, c);
  }
  const skip = new Int32Array(1);
  for (let pass = 0; pass < st.tuning.growPasses; pass++) {
    let moves = 0;
    for (const s of slots) moves += improveTile(st, s, 2, skip, 0);
    if (moves === 0) break;
  }
}
