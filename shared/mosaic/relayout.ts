/**
 * Growth: every tile re-assigned to a new grid as one batch, tiles taken in a seeded
 * random order, each by the same sparse Hungarian step as arrivals (fresh potentials)
 * with the growth budget. Unbounded, that is the optimal assignment. The default
 * budget is 0 pops (each tile takes the nearest open class its voxel lists offer,
 * see VoxelLists.ts), measured at about 7%
 * above optimal cost on a 4x grid, against 3-4% for 8 pops at twice the time; the
 * 250k-tile re-layout must stay under 10 s on a shared 2-core machine.
 */
import { AugmentSearch } from './augment.ts';
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

/**
 * Assigns every live tile of `st.tiles` (all unplaced) to a cell of `st`.
 * The caller guarantees there are at least as many cells as tiles.
 */
export function relayout(st: MosaicState, rng: () => number): void {
  const slots = st.tiles.liveSlots();
  shuffle(slots, rng);
  const search = new AugmentSearch(st.tuning.growPops);
  for (const s of slots) search.run(st, s, st.tuning.growMaxMoves);
}
