/**
 * Placement engine benchmark: quality against the offline optimum on two targets,
 * the distance choice, the 4x comparison, speed at a million cells, growth and
 * memory, each printed beside a reference measured in this same run, as a ratio.
 * Run alone: npx tsx test/bench/engine.ts
 */
import { DEFAULT_TUNING, type EngineTuning } from '../../shared/mosaic/index.ts';
import {
  type Library,
  makeLibrary,
  projectTargetSvg,
  rasterTarget,
  sunsetKissSvg,
  type Target,
  targetFeatures,
} from './engineData.ts';
import { onlineLayout, optimumLayout, score } from './engineQuality.ts';
import { growthSeconds, jitteredTiles, linearScanRate, millionPlacements } from './engineSpeed.ts';

const f2 = (x: number) => x.toFixed(2);
const ratio = (a: number, b: number) => (a / b).toFixed(3);
const fmt = (x: number) => Math.round(x).toLocaleString('en-US');

function qualityOf(target: Target, lib: Library): void {
  const n = target.cols * target.rows;
  const t0 = performance.now();
  const online = onlineLayout(target, lib, {});
  const onlineSecs = (performance.now() - t0) / 1000;
  const greedy = onlineLayout(target, lib, {}, 1, 0);
  const optimum = optimumLayout(target, lib, DEFAULT_TUNING);
  const meanOnly: EngineTuning = {
    ...DEFAULT_TUNING,
    space: { ...DEFAULT_TUNING.space, structureWeight: 0 },
  };
  const optimumMean = optimumLayout(target, lib, meanOnly);
  const s = (layout: Int32Array, tint: number, k = 1) => score(target, lib, layout, tint, k);
  const [on3, on0, op3, op0] = [s(online.layout, 0.3), s(online.layout, 0), s(optimum, 0.3), s(optimum, 0)];
  console.log(
    `quality, ${target.name} (${target.cols}x${target.rows} cells, ${n} photos in random order, one use each):`,
  );
  console.log(
    `  online engine:       ΔE00 ${f2(on3)} at 30% tint, ${f2(on0)} untinted; ` +
      `${(online.moves / n).toFixed(2)} moves/arrival, ${onlineSecs.toFixed(2)} s`,
  );
  console.log(
    `  offline optimum:     ΔE00 ${f2(op3)} at 30% tint, ${f2(op0)} untinted (Hungarian on the same cost)`,
  );
  console.log(
    `  engine / optimum:    ${ratio(on3, op3)} tinted, ${ratio(on0, op0)} untinted (target <= 1.05)`,
  );
  console.log(
    `  naive online (best free cell, no moves): ΔE00 ${f2(s(greedy.layout, 0.3))} / ${f2(s(greedy.layout, 0))}` +
      ` -> ${ratio(s(greedy.layout, 0.3), op3)} x optimum`,
  );
  const [on4, om4, op4] = [s(online.layout, 0, 4), s(optimumMean, 0, 4), s(optimum, 0, 4)];
  console.log(
    `  at 4x the grid, untinted: engine (3x3 sub-cells) ${f2(on4)} vs optimum on mean colour only ${f2(om4)}` +
      ` -> ${ratio(on4, om4)} (target < 1); optimum with sub-cells ${f2(op4)}`,
  );
}

function distanceChoice(target: Target, lib: Library): void {
  const lab: Partial<EngineTuning> = { space: { perceptual: false, structureWeight: 1, step: 1 } };
  const din = onlineLayout(target, lib, {}).layout;
  const euc = onlineLayout(target, lib, lab).layout;
  const s = (layout: Int32Array, tint: number, k = 1) => score(target, lib, layout, tint, k);
  console.log(`distance, ${target.name}, online engine, ΔE00 tinted / untinted / 4x:`);
  console.log(`  DIN99o (perceptual, kept):  ${f2(s(din, 0.3))} / ${f2(s(din, 0))} / ${f2(s(din, 0, 4))}`);
  console.log(`  Euclidean CIELAB:           ${f2(s(euc, 0.3))} / ${f2(s(euc, 0))} / ${f2(s(euc, 0, 4))}`);
  console.log(
    `  DIN99o / Euclidean Lab:     ${ratio(s(din, 0.3), s(euc, 0.3))} tinted, ${ratio(s(din, 0), s(euc, 0))} untinted`,
  );
}

/** Prints every engine figure; see the file comment. */
export async function run(): Promise<void> {
  const t0 = performance.now();
  console.log('== placement engine ==');
  const lib = await makeLibrary(1024, 1);
  const project = await rasterTarget('project target (assets/target.svg)', projectTargetSvg(), 32, 32);
  const sunset = await rasterTarget('sunset kiss (bench-made)', sunsetKissSvg(), 40, 25);
  qualityOf(project, lib);
  qualityOf(sunset, lib);
  distanceChoice(project, lib);

  // ENGINE_BENCH_SIDE shrinks the speed grid for quick checks; the figures are for 1000.
  const side = Number(process.env.ENGINE_BENCH_SIDE ?? 1000);
  const svg = projectTargetSvg();
  const cache = new Map<number, Float32Array>();
  const cellsAt = (s: number) => {
    const c = cache.get(s);
    if (!c) throw new Error(`cell features for ${s}x${s} not prepared`);
    return c;
  };
  for (const s of [50, 100, side / 2, side]) cache.set(s, await targetFeatures(svg, s, s));
  const tiles = jitteredTiles(lib, side * side, 7);
  console.log(
    `speed, ${fmt(side * side)} placements into ${fmt(side * side)} cells (project target), moves included:`,
  );
  const rate = millionPlacements(cellsAt(side), tiles, side);
  const lin = linearScanRate(cellsAt, tiles, 100, side * side);
  console.log(`  engine: ${fmt(rate)} placements/s, the median of the three fills (target >= 200,000)`);
  console.log(
    `  linear scan: ${fmt(lin.rate)} placements/s on 10,000 cells -> ${fmt(lin.extrapolated)}/s extrapolated to 1M cells` +
      ` -> engine is ${fmt(rate / lin.extrapolated)}x faster`,
  );
  console.log(
    `  (wall clock on a shared 2-core machine; other processes' load slows every figure here alike)`,
  );
  const grow = growthSeconds(cellsAt, tiles, side);
  const growSmall = growthSeconds(cellsAt, tiles, 100, true);
  // The linear-scan re-layout scans every new cell for every tile: (250k x 1M) / (2.5k x 10k) = 10,000 x the work.
  const growLinear = growSmall * 10_000;
  console.log(
    `growth, 250,000 tiles re-laid out from 500x500 onto 1000x1000: ${grow.toFixed(2)} s (target < 10 s);` +
      ` linear scan ${growSmall.toFixed(3)} s for 2,500 tiles onto 10,000 cells -> ${fmt(growLinear)} s extrapolated` +
      ` -> ${fmt(growLinear / grow)}x`,
  );
  console.log(`engine bench: ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
