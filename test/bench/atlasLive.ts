/**
 * What a screen or viewer at the atlas zoom downloads while tiles land (`npm run bench --
 * atlasLive`): the built client in Chromium against a real server on port 0, a seeded mosaic
 * of 96x54 cells (24 atlas blocks) about half full, and photos uploaded through POST
 * /api/tiles at a steady rate while two pages watch the same landings. One draws each landing
 * over the atlas block it holds, from the tile's 32 px WebP (the client now); the other, the
 * same build with `?atlas=blocks`, fetches the block again after every landing, as the viewer
 * did before. Bytes are counted on the wire (Chromium's encodedDataLength, headers included)
 * for every image answer in the landing window. Two cases: an event screen (1920x1080, the
 * whole mosaic at 20 px per cell, loopback) and a phone viewer zoomed to the atlas level
 * (390x844 at DPR 2, 4G throttling: 20 Mbit/s, 60 ms, CPU x4).
 */
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import type { Browser, CDPSession, Page } from 'playwright-core';
import { buildClient, launchBrowser } from '../e2e/harness.ts';
import { syntheticJpeg } from '../support/images.ts';
import { startServer, type TestServer, tempDataDir, upload } from '../support/server.ts';
import { type NetProfile, PROFILES, throttle } from './phoneTiming.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const COLS = 96;
const ROWS = 54;
const SEEDED = Number(process.env.BENCH_ATLAS_LIVE_SEEDED ?? 2600);
const SECONDS = Number(process.env.BENCH_ATLAS_LIVE_SECONDS ?? 30);
const PER_SECOND = Number(process.env.BENCH_ATLAS_LIVE_RATE ?? 2);

interface Counted {
  /** Encoded bytes of image answers by kind, and their counts. */
  atlasBytes: number;
  atlasCount: number;
  /** 32 px tiles (drawn over held blocks). */
  tile32Bytes: number;
  tile32Count: number;
  /** 128 and 512 px photos (close in, and the screen's flights to new tiles). */
  photoBytes: number;
  photoCount: number;
}

/** Counts every finished image answer of `page` while `on()` is true. */
async function countImages(cdp: CDPSession, on: () => boolean): Promise<Counted> {
  const c: Counted = {
    atlasBytes: 0,
    atlasCount: 0,
    tile32Bytes: 0,
    tile32Count: 0,
    photoBytes: 0,
    photoCount: 0,
  };
  const urls = new Map<string, string>();
  await cdp.send('Network.enable');
  cdp.on('Network.responseReceived', (e) => urls.set(e.requestId, new URL(e.response.url).pathname));
  cdp.on('Network.loadingFinished', (e) => {
    const path = urls.get(e.requestId);
    urls.delete(e.requestId);
    if (!path || !on()) return;
    if (path.startsWith('/api/atlas/')) {
      c.atlasBytes += e.encodedDataLength;
      c.atlasCount++;
    } else if (/^\/tiles\/\d+\/32\.webp$/.test(path)) {
      c.tile32Bytes += e.encodedDataLength;
      c.tile32Count++;
    } else if (/^\/tiles\/\d+\/\d+\.webp$/.test(path)) {
      c.photoBytes += e.encodedDataLength;
      c.photoCount++;
    }
  });
  return c;
}

interface Watcher {
  name: string;
  page: Page;
  counted: Counted;
  close(): Promise<void>;
}

/** A page at `path` in its own context, throttled as `profile`, with the camera set by `camera`. */
async function watch(
  browser: Browser,
  url: string,
  name: string,
  path: string,
  view: { width: number; height: number; dpr: number },
  profile: NetProfile,
  counting: () => boolean,
  camera: { scale: number; cx: number; cy: number } | null,
): Promise<Watcher> {
  const ctx = await browser.newContext({
    viewport: { width: view.width, height: view.height },
    deviceScaleFactor: view.dpr,
    isMobile: view.width < 800,
    hasTouch: view.width < 800,
    // The screen's offline worker would answer the page's requests and hide them from its CDP
    // session; the worker adds no request of its own while online, so the bytes are the same.
    serviceWorkers: 'block',
  });
  const page = await ctx.newPage();
  const cdp = await ctx.newCDPSession(page);
  const counted = await countImages(cdp, counting);
  await throttle(cdp, profile);
  await page.goto(url + path);
  await page.waitForFunction(() => performance.getEntriesByName('mosaic:live').length > 0, null, {
    timeout: 120_000,
  });
  type K = { kiss: { board: { setCamera(c: unknown): void; stats(): { atlases: number } } } };
  if (camera) await page.evaluate((c) => (window as unknown as K).kiss.board.setCamera(c), camera);
  // Every atlas block in view is loaded before the landings start.
  await page.waitForFunction(
    () => {
      const s = (window as unknown as K).kiss.board.stats();
      return s.atlases > 0;
    },
    null,
    { timeout: 120_000 },
  );
  await page.waitForTimeout(3000);
  return { name, page, counted, close: () => ctx.close() };
}

/** Uploads `n` distinct photos, `perSecond` a second; returns how many were placed. */
async function land(server: TestServer, n: number, perSecond: number, seed: number): Promise<number> {
  const photos = await Promise.all(
    Array.from({ length: n }, (_, i) => syntheticJpeg(480, 360, seed + i, 85)),
  );
  const t0 = performance.now();
  let placed = 0;
  for (const [i, p] of photos.entries()) {
    const wait = t0 + (i * 1000) / perSecond - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const res = await upload(server.url, p);
    if (res.status === 201) placed++;
    await res.arrayBuffer();
  }
  return placed;
}

const kb = (n: number) => `${(n / 1024).toFixed(0)} KB`;

async function runCase(
  browser: Browser,
  server: TestServer,
  title: string,
  path: string,
  view: { width: number; height: number; dpr: number },
  profile: NetProfile,
  camera: { scale: number; cx: number; cy: number } | null,
  seed: number,
): Promise<void> {
  let counting = false;
  const on = () => counting;
  const sep = path.includes('?') ? '&' : '?';
  const ours = await watch(browser, server.url, 'patches', path, view, profile, on, camera);
  const before = await watch(
    browser,
    server.url,
    'blocks',
    `${path}${sep}atlas=blocks`,
    view,
    profile,
    on,
    camera,
  );
  const n = Math.round(SECONDS * PER_SECOND);
  counting = true;
  const placed = await land(server, n, PER_SECOND, seed);
  // Let the last landings' images arrive (past the atlas layer's 1.2 s reload delay).
  await new Promise((r) => setTimeout(r, 4000));
  counting = false;
  const atlasesShown = await Promise.all(
    [ours, before].map((w) =>
      w.page.evaluate(() =>
        (
          window as unknown as { kiss: { board: { stats(): { atlases: number; patches: number } } } }
        ).kiss.board.stats(),
      ),
    ),
  );
  const total = (c: Counted) => c.atlasBytes + c.tile32Bytes + c.photoBytes;
  console.log(
    `\n## ${title}: ${placed} landings in ${SECONDS} s (${PER_SECOND}/s) on ${COLS}x${ROWS} cells, ${atlasesShown[0]!.atlases} atlas blocks in view at the end`,
  );
  for (const w of [ours, before]) {
    const c = w.counted;
    console.log(
      `${w.name === 'patches' ? 'landings drawn over held blocks' : 'every landing fetches its block (before, ?atlas=blocks)'}: ${kb(total(c))} of images (${c.atlasCount} atlas blocks ${kb(c.atlasBytes)}, ${c.tile32Count} 32 px tiles ${kb(c.tile32Bytes)}, ${c.photoCount} photos ${kb(c.photoBytes)}), ${(total(c) / Math.max(1, placed) / 1024).toFixed(1)} KB per landing; atlas blocks and 32 px tiles alone ${((c.atlasBytes + c.tile32Bytes) / Math.max(1, placed) / 1024).toFixed(1)} KB per landing`,
    );
  }
  const mid = (c: Counted) => c.atlasBytes + c.tile32Bytes;
  console.log(
    `ratio: ${(total(ours.counted) / Math.max(1, total(before.counted))).toFixed(3)}x the image bytes of the viewer before; the atlas level alone (blocks and 32 px tiles) ${(mid(ours.counted) / Math.max(1, mid(before.counted))).toFixed(3)}x (32 px tiles drawn over blocks at the end: ${atlasesShown[0]!.patches})`,
  );
  await ours.close();
  await before.close();
}

export async function run(): Promise<void> {
  const dataDir = tempDataDir();
  console.log(`seeding ${SEEDED} tiles on ${COLS}x${ROWS} cells with scripts/seed.ts...`);
  const seeded = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      join(ROOT, 'scripts/seed.ts'),
      '--tiles',
      String(SEEDED),
      '--cols',
      String(COLS),
      '--rows',
      String(ROWS),
      '--data',
      dataDir,
    ],
    { stdio: ['ignore', 'ignore', 'inherit'], cwd: ROOT },
  );
  if (seeded.status !== 0) throw new Error('seeding failed');
  await buildClient();
  const server = await startServer({ MOSAIC_COLS: String(COLS), MOSAIC_ROWS: String(ROWS) }, dataDir);
  const browser = await launchBrowser();
  try {
    await runCase(
      browser,
      server,
      'Event screen, 1920x1080, the whole mosaic (20 px per cell), loopback',
      '/screen',
      { width: 1920, height: 1080, dpr: 1 },
      PROFILES.loopback,
      null,
      1000,
    );
    await runCase(
      browser,
      server,
      `Phone viewer, 390x844 at DPR 2, zoomed to 16 px per cell, ${PROFILES.fourG.name}`,
      '/',
      { width: 390, height: 844, dpr: 2 },
      PROFILES.fourG,
      { scale: 16, cx: COLS / 2, cy: ROWS / 2 },
      5000,
    );
  } finally {
    await browser.close();
    await server.destroy();
  }
}
