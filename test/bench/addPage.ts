/**
 * The contribute page on a phone (`npm run bench -- addPage`): a person at a rally scans the
 * screen's QR code on a crowded mobile network. Times `/add` from navigation to `add:ready` (the
 * form answers: its script ran, its words are in the phone's language) at 390x844, DPR 2, with
 * Chromium's network and CPU throttling, and counts the bytes received before it.
 *
 * The reference, measured in the same run on the same build: the page with the mini mosaic's
 * renderer (PixiJS and the live feed, `mosaic-*.js`) back in its first load, as the page had it
 * before it was fetched on demand: the page's own script is answered with a static import of that
 * chunk in front, so that, as then, the form's script runs only once the renderer has arrived.
 */
import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { buildClient, launchBrowser, startE2EServer } from '../e2e/harness.ts';
import { type NetProfile, PROFILES, throttle } from './phoneTiming.ts';

const RUNS = Number(process.env.BENCH_ADD_RUNS ?? 5);
const ASSETS = resolve(import.meta.dirname, '../../dist/client/assets');

interface AddLoad {
  readyMs: number;
  bytes: number;
  scripts: number;
}

/** Puts a static import of `chunk` in front of the page's own script (the reference's first load). */
async function rendererUpFront(page: Page, chunk: string): Promise<void> {
  await page.route(
    (u) => /^\/assets\/add-[\w-]+\.js$/.test(u.pathname),
    async (route) => {
      const res = await route.fetch();
      const body = `import './${chunk}';\n${await res.text()}`;
      await route.fulfill({ response: res, body });
    },
  );
}

async function timeAdd(
  browser: Browser,
  url: string,
  profile: NetProfile,
  chunk: string | null,
): Promise<AddLoad> {
  const ctx = await browser.newContext({
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    locale: 'pt-BR',
  });
  const page = await ctx.newPage();
  try {
    if (chunk) await rendererUpFront(page, chunk);
    const cdp = await ctx.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    await throttle(cdp, profile);
    await page.goto(`${url}/add`, { waitUntil: 'commit' });
    await page.waitForFunction(() => performance.getEntriesByName('add:ready').length > 0, null, {
      timeout: 120_000,
      polling: 50,
    });
    return await page.evaluate(() => {
      const at = performance.getEntriesByName('add:ready')[0]!.startTime;
      const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
      const all = [nav, ...(performance.getEntriesByType('resource') as PerformanceResourceTiming[])].filter(
        (r) => r.responseEnd <= at,
      );
      return {
        readyMs: Math.round(at),
        bytes: all.reduce((n, r) => n + r.transferSize, 0),
        scripts: all.filter((r) => r.name.endsWith('.js')).length,
      };
    });
  } finally {
    await ctx.close();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function run(): Promise<void> {
  await buildClient();
  const chunk = readdirSync(ASSETS).find((f) => /^mosaic-[\w-]+\.js$/.test(f));
  if (!chunk) throw new Error(`no mosaic-*.js in ${ASSETS}`);
  const server = await startE2EServer({});
  const browser = await launchBrowser();
  try {
    console.log(`\n## The contribute page on a phone (390x844, DPR 2), median of ${RUNS} fresh loads`);
    for (const profile of [PROFILES.fast3G, PROFILES.fourG]) {
      const now: AddLoad[] = [];
      const before: AddLoad[] = [];
      // Alternated, so that a slow moment of the machine weighs on both alike.
      for (let i = 0; i < RUNS; i++) {
        now.push(await timeAdd(browser, server.url, profile, null));
        before.push(await timeAdd(browser, server.url, profile, chunk));
      }
      const m = (xs: AddLoad[], k: keyof AddLoad) => median(xs.map((x) => x[k]));
      const kb = (b: number) => `${(b / 1024).toFixed(0)} KB`;
      console.log(
        `${profile.name}: form ready in ${m(now, 'readyMs')} ms after ${kb(m(now, 'bytes'))} (${m(now, 'scripts')} scripts); with the renderer in the first load ${m(before, 'readyMs')} ms after ${kb(m(before, 'bytes'))} (${m(before, 'scripts')} scripts): ${(m(before, 'readyMs') / m(now, 'readyMs')).toFixed(2)}x sooner, ${(m(before, 'bytes') / m(now, 'bytes')).toFixed(2)}x fewer bytes`,
      );
      console.log(
        `  runs: ${now.map((x) => x.readyMs).join(', ')} ms; reference ${before.map((x) => x.readyMs).join(', ')} ms`,
      );
    }
  } finally {
    await browser.close();
    await server.stop();
  }
}
