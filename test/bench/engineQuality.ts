/**
 * Quality measurement for the engine bench: run the online engine over a library
 * arriving in random order, solve the offline optimum on the same cost, and score
 * both as the mean CIEDE2000 between the export and the target, box-averaged to
 * the grid (1x) or to 4x the grid. No `run` export: a helper module.
 */
import { DIM, encodeAll, sqDist } from '../../shared/mosaic/engineSpace.ts';
import {
  ciede2000,
  computeTint,
  type EngineTuning,
  FEATURE_LEN,
  MosaicEngine,
  mulberry32,
  srgbToLab,
  type Tint,
} from '../../shared/mosaic/index.ts';
import { blockMeans, type Library, type Target, TILE_PX } from './engineData.ts';
import { hungarian } from './engineHungarian.ts';

/** Which library tile sits in each cell. */
export type CellTiles = Int32Array;

/** Runs the online engine: tiles 0..cells-1 of the library arrive in seeded random order. */
export function onlineLayout(
  target: Target,
  lib: Library,
  tuning: Partial<EngineTuning>,
  seed = 1,
  maxMovesPerArrival?: number,
): { layout: CellTiles; moves: number } {
  const n = target.cols * target.rows;
  const e = new MosaicEngine(
    {
      cols: target.cols,
      rows: target.rows,
      cellFeatures: target.cellFeatures,
      tint: 0,
      rng: mulberry32(seed),
      maxMovesPerArrival,
    },
    tuning,
  );
  const order = Array.from({ length: n }, (_, i) => i);
  const rng = mulberry32(seed + 1000);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  let moves = 0;
  for (const t of order) {
    moves += e.place(t + 1, lib.features.subarray(t * FEATURE_LEN, (t + 1) * FEATURE_LEN)).length - 1;
  }
  const layout = new Int32Array(n);
  for (const p of e.placements()) layout[p.row * target.cols + p.col] = p.id - 1;
  return { layout, moves };
}

/** The offline optimum of the engine's own cost for this tuning's feature space. */
export function optimumLayout(
  target: Target,
  lib: Library,
  tuning: Pick<EngineTuning, 'space' | 'costPower'>,
): CellTiles {
  const n = target.cols * target.rows;
  const tv = encodeAll(lib.features, n, tuning.space);
  const cv = encodeAll(target.cellFeatures, n, tuning.space);
  const cost = new Float64Array(n * n);
  for (let t = 0; t < n; t++) {
    for (let c = 0; c < n; c++) {
      const d = sqDist(tv, t * DIM, cv, c * DIM);
      cost[t * n + c] = tuning.costPower === 2 ? d : Math.sqrt(d);
    }
  }
  const tileToCell = hungarian(cost, n, n);
  const layout = new Int32Array(n);
  tileToCell.forEach((cell, tile) => {
    layout[cell] = tile;
  });
  return layout;
}

/**
 * Mean CIEDE2000 per block between the export (each tile, tinted by `strength`
 * toward its cell's mean as the engine records it) and the target, both box-averaged
 * to k x k blocks per cell.
 */
export function score(target: Target, lib: Library, layout: CellTiles, strength: number, k: number): number {
  const w = target.cols * TILE_PX;
  const tileBuf = new Uint8Array(TILE_PX * TILE_PX * 3);
  const a = new Uint8Array(k * k * 3);
  const b = new Uint8Array(k * k * 3);
  const la = [0, 0, 0];
  const lb = [0, 0, 0];
  let sum = 0;
  for (let cell = 0; cell < layout.length; cell++) {
    const tile = layout[cell]!;
    const tint: Tint = computeTint(
      lib.features,
      tile * FEATURE_LEN,
      target.cellFeatures,
      cell * FEATURE_LEN,
      strength,
    );
    const src = lib.px.subarray(tile * TILE_PX * TILE_PX * 3, (tile + 1) * TILE_PX * TILE_PX * 3);
    for (let i = 0; i < src.length; i += 3) {
      tileBuf[i] = Math.max(0, Math.min(255, src[i]! + tint.r));
      tileBuf[i + 1] = Math.max(0, Math.min(255, src[i + 1]! + tint.g));
      tileBuf[i + 2] = Math.max(0, Math.min(255, src[i + 2]! + tint.b));
    }
    blockMeans(tileBuf, TILE_PX, 0, 0, TILE_PX, k, a);
    const col = cell % target.cols;
    const row = Math.floor(cell / target.cols);
    blockMeans(target.px, w, col * TILE_PX, row * TILE_PX, TILE_PX, k, b);
    for (let i = 0; i < k * k * 3; i += 3) {
      srgbToLab(a[i]!, a[i + 1]!, a[i + 2]!, la);
      srgbToLab(b[i]!, b[i + 1]!, b[i + 2]!, lb);
      sum += ciede2000(la[0]!, la[1]!, la[2]!, lb[0]!, lb[1]!, lb[2]!);
    }
  }
  return sum / (layout.length * k * k);
}
