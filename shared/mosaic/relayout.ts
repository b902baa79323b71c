/**
 * Growth: every tile re-assigned to a new grid as one batch, by the same sparse
 * Hungarian steps as arrivals (fresh potentials), tiles taken in a seeded random
 * order. With unbounded budgets this is the optimal assignment; with the default
 * budgets it is a close approximation.
 */
import { augment } from './augment.ts';
import type { MosaicState } from './MosaicState.ts';

/** Fisher-Yates shuffle driven by the injected rng. */
function shuffle(a: Int32Array, rng: () => number): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
  }
}

const ignore = () => {};

/**
 * Assigns every live tile of `st.tiles` (all unplaced) to a cell of `st`.
 * The caller guarantees there are at least as many cells as tiles.
 */
export function relayout(st: MosaicState, rng: () => number): void {
  const slots = st.tiles.liveSlots();
  shuffle(slots, rng);
  for (const s of slots) augment(st, s, st.tuning.growMaxMoves, st.augmentBuffers, ignore);
}
