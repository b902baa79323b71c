/**
 * The real viewer against the real server (`npm run bench -- viewer`): a mosaic seeded by
 * scripts/seed.ts (1,000,000 tiles by default: real rows placed by the real engine, real
 * WebP files), the real app started on it, the real `/` page built by Vite, opened in
 * headless Chromium (software WebGL). Times navigation -> overview drawn.
 *
 * The reference, measured in the same run: the same page with its HTTP snapshot refused,
 * so the snapshot comes over Socket.IO once the scripts have loaded (how it loaded before
 * the preload).
 *
 * The seeded folder is kept in .bench-data/ (about 4 GB at 1M tiles, ~5 minutes to seed), or
 * give one with BENCH_VIEWER_DATA; BENCH_VIEWER_TILES sets the size of a new one.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { createApp } from '../../server/app.ts';
import { readConfig } from '../../server/config.ts';
import { buildClient, CHROMIUM_ARGS } from '../e2e/harness.ts';
import { timeViewerLoad } from './viewerTiming.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const RUNS = 5;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function run(): Promise<void> {
  const tiles = Number(process.env.BENCH_VIEWER_TILES ?? 1_000_000);
  const dataDir = resolve(process.env.BENCH_VIEWER_DATA ?? join(ROOT, '.bench-data', `viewer-${tiles}`));
  console.log(`\n## Viewer: the real / against the real server`);
  if (!existsSync(join(dataDir, 'mosaic.db'))) {
    console.log(`seeding ${tiles} tiles into ${dataDir} with scripts/seed.ts (kept for the next run)...`);
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'scripts/seed.ts'), '--tiles', String(tiles), '--data', dataDir],
      { stdio: 'inherit', cwd: ROOT },
    );
    if (r.status !== 0) throw new Error('seeding failed');
  }
  await buildClient();
  const t0 = performance.now();
  const app = await createApp({ config: readConfig({ DATA_DIR: dataDir }) });
  const startSecs = (performance.now() - t0) / 1000;
  const url = `http://127.0.0.1:${await app.listen(0, '127.0.0.1')}`;
  const rss = process.memoryUsage().rss / 2 ** 20;
  console.log(
    `server: ${app.service.tileCount.toLocaleString('en-US')} tiles on ${app.service.cols}x${app.service.rows}, started in ${startSecs.toFixed(1)} s, RSS ${rss.toFixed(0)} MB`,
  );

  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  try {
    // One load of each kind to warm Chromium (its GPU process, shader caches) and the server.
    await timeViewerLoad(browser, url);
    await timeViewerLoad(browser, url, { socketOnly: true });
    const ours: number[] = [];
    const ref: number[] = [];
    let steps: string[] = [];
    for (let i = 0; i < RUNS; i++) {
      const r = await timeViewerLoad(browser, url);
      ours.push(r.drawn);
      steps = r.steps;
      ref.push((await timeViewerLoad(browser, url, { socketOnly: true })).drawn);
    }
    const o = median(ours);
    const s = median(ref);
    console.log(
      `overview drawn after navigation, median of ${RUNS}: ${o} ms (runs ${ours.join(', ')}; target <= 1500 ms: ${o <= 1500 ? 'met' : 'MISSED'})`,
    );
    console.log(
      `reference, snapshot over Socket.IO after the scripts (no preload): ${s} ms (runs ${ref.join(', ')})`,
    );
    console.log(`ratio ours / reference: ${(o / s).toFixed(2)}x`);
    console.log(`where the time went (last run, ms after navigation): ${steps.join(' | ')}`);
  } finally {
    await browser.close();
    await app.close();
  }
}
