/**
 * The contribute page on a phone (`npm run bench -- addPage`): a person at a rally scans the
 * screen's QR code on a crowded mobile network. Times `/add` from navigation to `add:ready` (the
 * form answers: its script ran, its words are in the phone's language) at 390x844, DPR 2, with
 * Chromium's network and CPU throttling, and counts the bytes received before it.
 *
 * Two references, measured in the same run on the same build, each the page with something back
 * in its first load that it once had there: the page's own script is answered with static imports
 * of those chunks in front, so that, as then, the form's script runs only once they have arrived.
 * (That script itself then comes through the request interception, unthrottled and uncounted: if
 * anything, that favours the references.)
 * - all six languages' words (`en-*.js`, `ru-*.js`, ...), as before each page loaded only its own;
 * - the mini mosaic's renderer (PixiJS and the live feed, `mosaic-*.js`), as before it was
 *   fetched on demand.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { MANIFEST_FILE, TABLE_MODULES } from '../../server/http/pageLanguage.ts';
import { RALLY_LANGUAGES } from '../../shared/rallies.ts';
import { buildClient, launchBrowser, startE2EServer } from '../e2e/harness.ts';
import { type NetProfile, PROFILES, throttle } from './phoneTiming.ts';

const RUNS = Number(process.env.BENCH_ADD_RUNS ?? 5);
const CLIENT = resolve(import.meta.dirname, '../../dist/client');

interface AddLoad {
  readyMs: number;
  bytes: number;
  scripts: number;
}

/** Puts static imports of `chunks` in front of the page's own script (a reference's first load). */
async function upFront(page: Page, chunks: string[]): Promise<void> {
  await page.route(
    (u) => /^\/assets\/add-[\w-]+\.js$/.test(u.pathname),
    async (route) => {
      const res = await route.fetch();
      const body = `${chunks.map((c) => `import './${c}';\n`).join('')}${await res.text()}`;
      await route.fulfill({ response: res, body });
    },
  );
}

async function timeAdd(
  browser: Browser,
  url: string,
  profile: NetProfile,
  chunks: string[],
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
    if (chunks.length) await upFront(page, chunks);
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
  const renderer = readdirSync(resolve(CLIENT, 'assets')).find((f) => /^mosaic-[\w-]+\.js$/.test(f));
  if (!renderer) throw new Error(`no mosaic-*.js in ${CLIENT}/assets`);
  const manifest = JSON.parse(readFileSync(resolve(CLIENT, MANIFEST_FILE), 'utf8')) as Record<
    string,
    { file: string }
  >;
  const tables = RALLY_LANGUAGES.map((l) => manifest[TABLE_MODULES[l]]!.file.replace(/^assets\//, ''));
  const variants = [
    { name: 'now', chunks: [] },
    { name: 'with all six languages', chunks: tables },
    { name: 'with the renderer', chunks: [renderer] },
  ];
  const server = await startE2EServer({});
  const browser = await launchBrowser();
  try {
    console.log(`\n## The contribute page on a phone (390x844, DPR 2, pt-BR), median of ${RUNS} fresh loads`);
    for (const profile of [PROFILES.fast3G, PROFILES.fourG]) {
      const loads: AddLoad[][] = variants.map(() => []);
      // Alternated, so that a slow moment of the machine weighs on all alike.
      for (let i = 0; i < RUNS; i++)
        for (const [k, v] of variants.entries())
          loads[k]!.push(await timeAdd(browser, server.url, profile, v.chunks));
      const m = (xs: AddLoad[], k: keyof AddLoad) => median(xs.map((x) => x[k]));
      const kb = (b: number) => `${(b / 1024).toFixed(0)} KB`;
      const now = loads[0]!;
      console.log(
        `${profile.name}: form ready in ${m(now, 'readyMs')} ms after ${kb(m(now, 'bytes'))} (${m(now, 'scripts')} scripts)`,
      );
      for (const [k, v] of variants.entries()) {
        if (k === 0) continue;
        const ref = loads[k]!;
        console.log(
          `  ${v.name} in the first load: ${m(ref, 'readyMs')} ms after ${kb(m(ref, 'bytes'))} (${m(ref, 'scripts')} scripts): now ${(m(ref, 'readyMs') / m(now, 'readyMs')).toFixed(2)}x sooner, ${(m(ref, 'bytes') / m(now, 'bytes')).toFixed(2)}x fewer bytes`,
        );
      }
      for (const [k, v] of variants.entries())
        console.log(`  runs ${v.name}: ${loads[k]!.map((x) => x.readyMs).join(', ')} ms`);
    }
  } finally {
    await browser.close();
    await server.stop();
  }
}
