/**
 * The mosaic package's public entry: the placement engine, its contract and helpers.
 */
import type { EngineOptions, PlacementEngine, RestoreOptions } from './engineApi.ts';
import { MosaicEngine } from './MosaicEngine.ts';
import type { EngineTuning } from './MosaicState.ts';

export * from './colour.ts';
export { ciede2000, labToDin99o } from './deltaE.ts';
export * from './engineApi.ts';
export { DEFAULT_SPACE, type SpaceConfig } from './engineSpace.ts';
export * from './features.ts';
export { DEFAULT_TUNING, MosaicEngine } from './MosaicEngine.ts';
export type { EngineTuning } from './MosaicState.ts';
export { mulberry32 } from './rng.ts';
export * from './tint.ts';
export * from './types.ts';

/**
 * Creates an empty placement engine over a cols x rows grid of target cell features.
 * Each arrival takes a free cell along a bounded augmenting path (an online Hungarian
 * step over classes of identical cells): candidates come from per-voxel lists of
 * nearby classes with a k-d tree behind them, and every tile the path moves is
 * reported as a `moved` change. On large grids (see EngineTuning.largeClasses) the
 * search budget per arrival is smaller. `tuning` overrides the measured defaults
 * (benchmarks and tests only).
 */
export function createEngine(opts: EngineOptions, tuning?: Partial<EngineTuning>): PlacementEngine {
  return new MosaicEngine(opts, tuning);
}

/**
 * Rebuilds an engine from the store at start-up: every tile goes back exactly
 * where it was stored (no reshuffle) and the sequence continues from `opts.seq`.
 */
export function restoreEngine(opts: RestoreOptions, tuning?: Partial<EngineTuning>): PlacementEngine {
  return MosaicEngine.restore(opts, tuning);
}
