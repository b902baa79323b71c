/**
 * The mosaic package's public entry: the placement engine, its contract and helpers.
 */
import type { EngineOptions, PlacementEngine, RestoreOptions } from './engineApi.ts';
import { createSimpleEngine, restoreSimpleEngine } from './simpleEngine.ts';

export * from './colour.ts';
export * from './engineApi.ts';
export * from './features.ts';
export { mulberry32 } from './rng.ts';
export * from './tint.ts';
export * from './types.ts';

/** Creates an empty placement engine over a cols x rows grid of target cell features. */
export function createEngine(opts: EngineOptions): PlacementEngine {
  return createSimpleEngine(opts);
}

/**
 * Rebuilds an engine from the store at start-up: every tile goes back exactly
 * where it was stored (no reshuffle) and the sequence continues from `opts.seq`.
 */
export function restoreEngine(opts: RestoreOptions): PlacementEngine {
  return restoreSimpleEngine(opts);
}
