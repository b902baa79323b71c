/**
 * Speed and memory measurements for the engine bench: a million placements into a
 * million cells, a growth re-layout of 250k tiles, each beside a linear-scan
 * reference measured in the same run and extrapolated. No `run` export: a helper.
 */
import {
  type EngineTuning,
  FEATURE_LEN,
  MosaicEngine,
  mulberry32,
  type PlacementEngine,
  restoreEngine,
} from '../../shared/mosaic/index.ts';
import { createSimpleEngine } from '../support/simpleEngine.ts';
import type { Library } from './engineData.ts';

const fmt = (x: number) => Math.round(x).toLocaleString('en-US');

/** n tile feature vectors: library photos with a brightness shift and noise, so no two are equal. */
export function jitteredTiles(lib: Library, n: number, seed: number): Float32Array {
  const rng = mulberry32(seed);
  const out = new Float32Array(n * FEATURE_LEN);
  for (let i = 0; i < n; i++) {
    const s = Math.floor(rng() * lib.size) * FEATURE_LEN;
    const shift = (rng() - 0.5) * 10;
    for (let k = 0; k < FEATURE_LEN; k++) {
      out[i * FEATURE_LEN + k] = lib.features[s + k]! + (k % 3 === 0 ? shift : 0) + (rng() - 0.5) * 4;
    }
  }
  return out;
}

function placeAll(e: PlacementEngine, tiles: Float32Array, n: number, onTenth?: (i: number) => void): number {
  let moves = 0;
  for (let i = 0; i < n; i++) {
    moves += e.place(i + 1, tiles.subarray(i * FEATURE_LEN, (i + 1) * FEATURE_LEN)).length - 1;
    if (onTenth && (i + 1) % (n / 10) === 0) onTenth(i + 1);
  }
  return moves;
}

/** Linear-scan placements per second on a small grid, and that rate extrapolated to `cells` cells. */
export function linearScanRate(
  cellFeatures: (side: number) => Float32Array,
  tiles: Float32Array,
  side: number,
  cells: number,
) {
  const n = side * side;
  const e = createSimpleEngine({
    cols: side,
    rows: side,
    cellFeatures: cellFeatures(side),
    tint: 0.3,
    rng: mulberry32(1),
  });
  const t0 = performance.now();
  placeAll(e, tiles, n);
  const rate = n / ((performance.now() - t0) / 1000);
  // Each linear placement scans every cell, so its cost grows with the grid.
  return { rate, extrapolated: (rate * n) / cells };
}

/**
 * Places side*side tiles into a side x side mosaic, `runs` times, each on a fresh engine
 * (a fill is a minute's fraction; the host's load changes faster than that), and prints
 * every fill's rates, and the first fill's moves and memory. Returns the median fill's
 * placements/s.
 */
export function millionPlacements(
  cellFeatures: Float32Array,
  tiles: Float32Array,
  side: number,
  runs = 3,
): number {
  const n = side * side;
  const rates: number[] = [];
  for (let r = 1; r <= runs; r++) {
    global.gc?.();
    const mem0 = process.memoryUsage();
    let t0 = performance.now();
    const e = new MosaicEngine({ cols: side, rows: side, cellFeatures, tint: 0.3, rng: mulberry32(1) });
    const build = (performance.now() - t0) / 1000;
    t0 = performance.now();
    const cpu0 = process.cpuUsage();
    let last = t0;
    const tenths: string[] = [];
    const moves = placeAll(e, tiles, n, () => {
      const now = performance.now();
      tenths.push(fmt(n / 10 / ((now - last) / 1000)));
      last = now;
    });
    const secs = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const cpuSecs = (cpu.user + cpu.system) / 1e6;
    rates.push(n / secs);
    console.log(
      `  fill ${r} of ${runs}: ${fmt(n / secs)} placements/s, ${fmt(n / cpuSecs)} per CPU-second` +
        ` (${cpuSecs.toFixed(1)} s CPU for ${secs.toFixed(1)} s); index build ${build.toFixed(2)} s;` +
        ` per tenth: ${tenths.join(', ')}`,
    );
    // Moves and memory once, on the first fill, before later engines share the heap.
    if (r > 1) continue;
    console.log(`  moves: ${(moves / n).toFixed(2)} per arrival (${fmt(moves)} in all)`);
    global.gc?.();
    const mem1 = process.memoryUsage();
    const measured = mem1.heapUsed + mem1.arrayBuffers - mem0.heapUsed - mem0.arrayBuffers;
    console.log(
      `  memory at ${fmt(n)} cells, full: ${(e.bytes() / 2 ** 20).toFixed(0)} MiB in engine arrays, ` +
        `${(measured / 2 ** 20).toFixed(0)} MiB heap growth measured${global.gc ? '' : ' (no --expose-gc: rough)'}` +
        ` = ${(measured / n).toFixed(0)} B per cell`,
    );
  }
  return rates.sort((a, b) => a - b)[Math.floor(runs / 2)]!;
}

/** Restores `tiles` tiles on a half-size grid, then times grow() to the full grid. */
export function growthSeconds(
  cellFeatures: (side: number) => Float32Array,
  tiles: Float32Array,
  side: number,
  simple = false,
  tuning: Partial<EngineTuning> = {},
): number {
  const half = side / 2;
  const n = half * half;
  const placements = Array.from({ length: n }, (_, i) => ({
    id: i + 1,
    col: i % half,
    row: Math.floor(i / half),
    features: tiles.subarray(i * FEATURE_LEN, (i + 1) * FEATURE_LEN),
  }));
  const opts = {
    cols: half,
    rows: half,
    cellFeatures: cellFeatures(half),
    tint: 0.3,
    rng: mulberry32(2),
    placements,
  };
  const e = simple ? createSimpleEngine(opts) : restoreEngine(opts, tuning);
  if (simple) for (const p of placements) e.place(p.id, p.features);
  const big = cellFeatures(side);
  const t0 = performance.now();
  const g = e.grow(side, side, big);
  const secs = (performance.now() - t0) / 1000;
  if (g.placements.length !== n || new Set(g.placements.map((p) => p.row * side + p.col)).size !== n) {
    throw new Error('growth lost or stacked tiles');
  }
  return secs;
}
