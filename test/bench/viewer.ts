import { join, resolve } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { type App, createApp } from '../../server/app.ts';
import { readConfig } from '../../server/config.ts';
import { buildClient, builtChunk, CHROMIUM_ARGS, WEBGPU_RENDERER } from '../e2e/harness.ts';
import { seededFolder } from './_seeded.ts';
import { type NetProfile, type PhoneLoad, PROFILES, timePhoneLoad } from './phoneTiming.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const RUNS = 5;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** A data folder seeded with `tiles` tiles (seeded with scripts/seed.ts on first use, then kept). */
function seeded(tiles: number): string {
  const dataDir = resolve(
    tiles === Number(process.env.BENCH_VIEWER_TILES ?? 1_000_000) && process.env.BENCH_VIEWER_DATA
      ? process.env.BENCH_VIEWER_DATA
      : join(ROOT, '.bench-data', `viewer-${tiles}`),
  );
  return seededFolder(tiles, dataDir);
}

/** The real app on a seeded folder, for `fn`. */
async function withApp(tiles: number, fn: (url: string, app: App) => Promise<void>): Promise<void> {
  const dataDir = seeded(tiles);
  await buildClient();
  const t0 = performance.now();
  const app = await createApp({ config: readConfig({ DATA_DIR: dataDir }) });
  const startSecs = (performance.now() - t0) / 1000;
  const url = `http://127.0.0.1:${await app.listen(0, '127.0.0.1')}`;
  const rss = process.memoryUsage().rss / 2 ** 20;
  console.log(
    `server: ${app.service.tileCount.toLocaleString('en-US')} tiles on ${app.service.cols}x${app.service.rows}, started in ${startSecs.toFixed(1)} s, RSS ${rss.toFixed(0)} MB`,
  );
  try {
    await app.livePyramid.current();
    await fn(url, app);
  } finally {
    await app.close();
  }
}

const kb = (b: number) => `${(b / 1024).toFixed(0)} KB`;

/** Median overview time and bytes of `runs` phone loads under a profile, pyramid and every-cell paths alternated. */
async function phoneRuns(browser: Browser, url: string, profile: NetProfile, runs: number) {
  const ours: PhoneLoad[] = [];
  const ref: PhoneLoad[] = [];
  for (let i = 0; i < runs; i++) {
    ours.push(await timePhoneLoad(browser, url, profile));
    ref.push(await timePhoneLoad(browser, url, profile, { cells: true }));
  }
  const pick = (xs: PhoneLoad[]) => {
    const ms = median(xs.map((x) => x.overviewMs));
    return {
      ms,
      bytes: median(xs.map((x) => x.bytes)),
      runs: xs.map((x) => x.overviewMs),
      live: median(xs.map((x) => x.liveMs)),
      biggest: xs.at(-1)!.biggest,
      marks: xs.at(-1)!.marks,
    };
  };
  return { ours: pick(ours), ref: pick(ref) };
}

export async function run(): Promise<void> {
  const tiles = Number(process.env.BENCH_VIEWER_TILES ?? 1_000_000);
  const only = (process.env.BENCH_VIEWER_ONLY ?? 'phone,scripts,sizes,fps,loopback').split(',');
  const runs = Number(process.env.BENCH_VIEWER_RUNS ?? 3);
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    // The reference's HTML is fulfilled by the harness; it must still reach 127.0.0.1.
    args: [...CHROMIUM_ARGS, '--disable-features=LocalNetworkAccessChecks'],
  });
  try {
    if (['phone', 'scripts', 'fps', 'loopback'].some((part) => only.includes(part)))
      await withApp(tiles, async (url) => {
        if (only.includes('phone')) {
          console.log(
            `\n## Viewer on a phone: 390x844 at DPR 2, Chromium network and CPU throttling (median of ${runs})`,
          );
          console.log(
            '| profile | pyramid: overview | bytes before it | every cell (before): overview | bytes | ratio (time) | target |',
          );
          console.log('|---|---|---|---|---|---|---|');
          for (const [profile, target] of [
            [PROFILES.fourG, 1500],
            [PROFILES.fast3G, 3000],
          ] as const) {
            // One load of each to warm Chromium and the server's caches.
            await timePhoneLoad(browser, url, profile);
            const r = await phoneRuns(browser, url, profile, runs);
            console.log(
              `| ${profile.name} | ${r.ours.ms} ms (${r.ours.runs.join(', ')}) | ${kb(r.ours.bytes)} | ${r.ref.ms} ms (${r.ref.runs.join(', ')}) | ${kb(r.ref.bytes)} | ${(r.ours.ms / r.ref.ms).toFixed(2)}x | <= ${target} ms${profile === PROFILES.fourG ? ', <= 400 KB' : ''}: ${r.ours.ms <= target && (profile !== PROFILES.fourG || r.ours.bytes <= 400 * 1024) ? 'met' : 'MISSED'} |`,
            );
            console.log(
              `  biggest before the overview, pyramid: ${r.ours.biggest.join(', ')}; every cell: ${r.ref.biggest.join(', ')}`,
            );
            console.log(
              `  the board drawn and live (mosaic:live), median: pyramid ${r.ours.live} ms, every cell ${r.ref.live} ms`,
            );
            console.log(`  where the time went (last pyramid run, ms): ${r.ours.marks.join(' | ')}`);
          }
        }
        if (only.includes('scripts')) await withoutWebgpu(browser, url, tiles, runs);
        if (only.includes('fps')) await panAndZoomFps(browser, url);
        if (only.includes('loopback')) await loopback(browser, url);
      });
    if (only.includes('sizes')) {
      console.log(`\n## Smaller mosaics on 4G (median of ${runs}): no slower than before`);
      console.log('| tiles | pyramid (or cells) path | every cell (before) | ratio |');
      console.log('|---|---|---|---|');
      for (const n of [1_000, 100_000]) {
        await withApp(n, async (url) => {
          await timePhoneLoad(browser, url, PROFILES.fourG);
          const r = await phoneRuns(browser, url, PROFILES.fourG, runs);
          console.log(
            `| ${n.toLocaleString('en-US')} | ${r.ours.ms} ms, ${kb(r.ours.bytes)} | ${r.ref.ms} ms, ${kb(r.ref.bytes)} | ${(r.ours.ms / r.ref.ms).toFixed(2)}x |`,
          );
        });
      }
    }
  } finally {
    await browser.close();
  }
}

/**
 * The page's module and the scripts it imports, as the build makes them, against the same build with
 * PixiJS's WebGPU renderer back in the page's first load, as before the build left it out
 * (vite.config.ts): its chunks named with the module's modulepreloads, and a static import of it in
 * front of the page's own script. Both variants get the page and its own script through the same
 * request interception (unthrottled, and not among the bytes), the reference's edited.
 */
function firstLoadRoutes(withWebgpu: boolean): (page: Page) => Promise<void> {
  const webgpu = builtChunk(WEBGPU_RENDERER);
  return async (page) => {
    await page.route(
      (u) => u.pathname === '/',
      async (route) => {
        const res = await route.fetch();
        let html = await res.text();
        if (withWebgpu) {
          // A big mosaic's page starts its module after the first picture, with these preloads.
          if (!html.includes('data-preload="')) throw new Error('the page has no overview preview');
          html = html.replace('data-preload="', `data-preload="${webgpu.all.join(' ')} `);
        }
        await route.fulfill({ response: res, body: html });
      },
    );
    await page.route(
      (u) => /^\/assets\/view-[\w-]+\.js$/.test(u.pathname),
      async (route) => {
        const res = await route.fetch();
        const code = await res.text();
        await route.fulfill({ response: res, body: withWebgpu ? `import "${webgpu.file}";\n${code}` : code });
      },
    );
  };
}

/** `mosaic:live` on a phone, and the bytes before it: the build as it is, and with the WebGPU renderer. */
async function withoutWebgpu(browser: Browser, url: string, tiles: number, runs: number): Promise<void> {
  const n = Math.max(runs, 5);
  console.log(
    `\n## The board live on a phone without PixiJS's WebGPU renderer in the first load (${tiles.toLocaleString('en-US')} tiles, 390x844 at DPR 2, median of ${n})`,
  );
  console.log(
    '| profile | now: board live | bytes before it | with the WebGPU renderer | bytes | ratio (time) |',
  );
  console.log('|---|---|---|---|---|---|');
  for (const profile of [PROFILES.fourG, PROFILES.fast3G]) {
    const ours: PhoneLoad[] = [];
    const ref: PhoneLoad[] = [];
    await timePhoneLoad(browser, url, profile, { routes: firstLoadRoutes(false) });
    for (let i = 0; i < n; i++) {
      ours.push(await timePhoneLoad(browser, url, profile, { routes: firstLoadRoutes(false) }));
      ref.push(await timePhoneLoad(browser, url, profile, { routes: firstLoadRoutes(true) }));
    }
    const live = (xs: PhoneLoad[]) => median(xs.map((x) => x.liveMs));
    const bytes = (xs: PhoneLoad[]) => median(xs.map((x) => x.liveBytes));
    console.log(
      `| ${profile.name} | ${live(ours)} ms (${ours.map((x) => x.liveMs).join(', ')}) | ${kb(bytes(ours))} | ${live(ref)} ms (${ref.map((x) => x.liveMs).join(', ')}) | ${kb(bytes(ref))} | ${(live(ours) / live(ref)).toFixed(2)}x |`,
    );
  }
}

/** Frames drawn per second while the camera zooms and pans continuously (software WebGL). */
async function panAndZoomFps(browser: Browser, url: string): Promise<void> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(`${url}/`);
  await page.waitForFunction(() => performance.getEntriesByName('mosaic:live').length > 0, null, {
    timeout: 120_000,
  });
  await page.waitForTimeout(1000);
  // A string, not a function: the bundler would wrap named inner functions in a helper the page lacks.
  const fps = (await page.evaluate(`(async () => {
    const b = window.kiss.board;
    const out = [];
    for (const [zoom, pan] of [[1.02, 0], [1, 6], [0.98, 0]]) {
      const f0 = b.frames;
      const t0 = performance.now();
      await new Promise((done) => {
        const step = () => {
          b.zoomBy(zoom);
          b.panBy(pan, pan / 2);
          if (performance.now() - t0 < 3000) requestAnimationFrame(step);
          else done();
        };
        requestAnimationFrame(step);
      });
      out.push(((b.frames - f0) * 1000) / (performance.now() - t0));
    }
    return out;
  })()`)) as number[];
  console.log(
    `\n## Zoom and pan at ${'1,000,000'} tiles, 1280x800, software WebGL: ${fps.map((f) => f.toFixed(0)).join(' / ')} fps (zoom in / pan / zoom out; target >= 30: ${Math.min(...fps) >= 30 ? 'met' : 'MISSED'})`,
  );
  await page.close();
}

/** Loopback, no throttling, a 1280x800 window: the pyramid path against the every-cell path. */
async function loopback(browser: Browser, url: string): Promise<void> {
  const opts = { viewport: { width: 1280, height: 800 }, dpr: 1 };
  await timePhoneLoad(browser, url, PROFILES.loopback, opts);
  const ours: number[] = [];
  const ref: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    ours.push((await timePhoneLoad(browser, url, PROFILES.loopback, opts)).overviewMs);
    ref.push((await timePhoneLoad(browser, url, PROFILES.loopback, { ...opts, cells: true })).overviewMs);
  }
  const o = median(ours);
  const r = median(ref);
  console.log(
    `\n## Viewer on loopback (1280x800, no throttling), median of ${RUNS}: pyramid ${o} ms (${ours.join(', ')}), every cell ${r} ms (${ref.join(', ')}): ${(o / r).toFixed(2)}x`,
  );
}
