/**
 * The contribute page on a phone (`npm run bench -- addPage`): a person at a rally scans the
 * screen's QR code on a crowded mobile network. Times `/add` from navigation to `add:ready` (the
 * form answers: its script ran, its words are in the phone's language) at 390x844, DPR 2, with
 * Chromium's network and CPU throttling, and counts the bytes received before it, all but the page's
 * own script (`add-*.js`, the same in every variant, 6 KB with brotli).
 *
 * Two references, measured in the same run on the same build, each the page with something back
 * in its first load that it once had there: the page's own script is answered with static imports
 * of those chunks in front, so that, as then, the form's script runs only once they have arrived.
 * (That script itself then comes through the request interception, unthrottled and uncompressed:
 * hence it is left out of the bytes everywhere. If anything, that favours the references.)
 * - all six languages' words in one chunk, as the page's shared chunk held them before each page
 *   loaded only its own: the six tables (and the six of the console's words) bundled here by Vite
 *   into one module, written beside the build's assets with its brotli and gzip siblings (as many
 *   bytes with brotli as the shared chunk had), so that it is served as any built chunk is;
 * - the console's words in the page's language as well, as each language's table held them before
 *   only the admin page loaded them: that table bundled the same way;
 * - the mini mosaic's renderer (PixiJS and the live feed, `mosaic-*.js`), as before it was
 *   fetched on demand.
 *
 * And a phone whose person chose Russian with the language switch on an earlier visit, its browser
 * being in Brazilian Portuguese: with that choice kept as the page keeps it now (localStorage and
 * the `kiss_lang` cookie, so the page's HTML names Russian's words), against kept in localStorage
 * only, as before the cookie (the HTML names Portuguese's, and the page fetches Russian's itself
 * once its script runs).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { build } from 'vite';
import { precompress } from '../../scripts/precompress.ts';
import { LANGUAGE_COOKIE } from '../../shared/rallies.ts';
import { buildClient, launchBrowser, startE2EServer } from '../e2e/harness.ts';
import { type NetProfile, PROFILES, throttle } from './phoneTiming.ts';

const RUNS = Number(process.env.BENCH_ADD_RUNS ?? 5);
const CLIENT = resolve(import.meta.dirname, '../../dist/client');

interface AddLoad {
  readyMs: number;
  bytes: number;
  scripts: number;
}

/** The page's own script: the same in every variant, left out of the bytes. */
const OWN_SCRIPT = /^\/assets\/add-[\w-]+\.js$/.source;
/** One language's table (en-*.js, ptBR-*.js, ...). */
const TABLE = /^\/assets\/(en|ru|ptBR|es|de|fr)-[\w-]+\.js$/.source;

/** A way the page's first load is measured: now, or a reference's. */
interface Variant {
  name: string;
  /** Chunks imported in front of the page's own script. */
  chunks: string[];
  /** Whether the table of the page's language, which the reference holds already, comes free: through interception, not counted. */
  freeTable: boolean;
  /** A language chosen earlier: kept in localStorage, and with `cookie` in the cookie too. */
  kept?: { lang: string; cookie: boolean };
}

/** Puts static imports of `chunks` in front of the page's own script (a reference's first load). */
async function upFront(page: Page, v: Variant): Promise<void> {
  const { chunks } = v;
  // Fetched by Playwright, not the throttled browser, and handed over whole.
  if (v.freeTable)
    await page.route(
      (u) => new RegExp(TABLE).test(u.pathname),
      async (route) => route.fulfill({ response: await route.fetch() }),
    );
  await page.route(
    (u) => new RegExp(OWN_SCRIPT).test(u.pathname),
    async (route) => {
      const res = await route.fetch();
      const body = `${chunks.map((c) => `import './${c}';\n`).join('')}${await res.text()}`;
      await route.fulfill({ response: res, body });
    },
  );
}

async function timeAdd(browser: Browser, url: string, profile: NetProfile, v: Variant): Promise<AddLoad> {
  const ctx = await browser.newContext({
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    locale: 'pt-BR',
  });
  if (v.kept) {
    await ctx.addInitScript((l) => localStorage.setItem('kiss.lang', l), v.kept.lang);
    if (v.kept.cookie) await ctx.addCookies([{ name: LANGUAGE_COOKIE, value: v.kept.lang, url }]);
  }
  const page = await ctx.newPage();
  try {
    if (v.chunks.length) await upFront(page, v);
    const cdp = await ctx.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    await throttle(cdp, profile);
    await page.goto(`${url}/add`, { waitUntil: 'commit' });
    await page.waitForFunction(() => performance.getEntriesByName('add:ready').length > 0, null, {
      timeout: 120_000,
      polling: 50,
    });
    const skipped = v.freeTable ? [OWN_SCRIPT, TABLE] : [OWN_SCRIPT];
    return await page.evaluate((skip) => {
      const at = performance.getEntriesByName('add:ready')[0]!.startTime;
      const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
      const all = [nav, ...(performance.getEntriesByType('resource') as PerformanceResourceTiming[])].filter(
        (r) => r.responseEnd <= at,
      );
      return {
        readyMs: Math.round(at),
        bytes: all
          .filter((r) => !skip.some((re) => new RegExp(re).test(new URL(r.name).pathname)))
          .reduce((n, r) => n + r.transferSize, 0),
        scripts: all.filter((r) => r.name.endsWith('.js')).length,
      };
    }, skipped);
  } finally {
    await ctx.close();
  }
}

const I18N = resolve(import.meta.dirname, '../../client/i18n');
const NAMES = ['en', 'ru', 'ptBR', 'es', 'de', 'fr'];
/** The chunks this run writes beside the build's assets (removed at its end). */
const BENCH_CHUNK = /^[\w-]+-bench\.js/;

/** The six tables of the pages' words and the six of the console's, in one module, as built before each was a chunk of its own. */
const allLanguagesChunk = (): Promise<string> =>
  benchChunk(
    'all-languages-bench.js',
    NAMES.flatMap((n) => [
      `export { ${n} } from ${JSON.stringify(join(I18N, `${n}.ts`))};`,
      `export { ${n} as console_${n} } from ${JSON.stringify(join(I18N, 'console', `${n}.ts`))};`,
    ]),
  );

/** The console's words in Brazilian Portuguese, the page's language here. */
const consoleWordsChunk = (): Promise<string> =>
  benchChunk('console-ptBR-bench.js', [
    `export { ptBR } from ${JSON.stringify(join(I18N, 'console', 'ptBR.ts'))};`,
  ]);

/** A module of `lines` bundled by Vite and written beside the build's assets (compressed as they are); its file name there. */
async function benchChunk(file: string, lines: string[]): Promise<string> {
  const tmp = mkdtempSync(join(tmpdir(), 'kiss-langs-'));
  try {
    const entry = join(tmp, 'entry.ts');
    writeFileSync(entry, `${lines.join('\n')}\n`);
    await build({
      configFile: false,
      logLevel: 'warn',
      build: {
        outDir: join(tmp, 'out'),
        minify: true,
        lib: { entry, formats: ['es'], fileName: () => file },
      },
    });
    writeFileSync(resolve(CLIENT, 'assets', file), readFileSync(join(tmp, 'out', file)));
    await precompress(resolve(CLIENT, 'assets'));
    return file;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Times `variants` on `profile`, alternated, and prints each against the first. */
async function compare(
  browser: Browser,
  url: string,
  profile: NetProfile,
  variants: Variant[],
  where: string,
): Promise<void> {
  const loads: AddLoad[][] = variants.map(() => []);
  // Alternated, so that a slow moment of the machine weighs on all alike.
  for (let i = 0; i < RUNS; i++)
    for (const [k, v] of variants.entries()) loads[k]!.push(await timeAdd(browser, url, profile, v));
  const m = (xs: AddLoad[], k: keyof AddLoad) => median(xs.map((x) => x[k]));
  const kb = (b: number) => `${(b / 1024).toFixed(0)} KB`;
  const now = loads[0]!;
  console.log(
    `${profile.name}: ${variants[0]!.name === 'now' ? '' : `${variants[0]!.name}: `}form ready in ${m(now, 'readyMs')} ms after ${kb(m(now, 'bytes'))} besides its own script (${m(now, 'scripts')} scripts)`,
  );
  for (const [k, v] of variants.entries()) {
    if (k === 0) continue;
    const ref = loads[k]!;
    console.log(
      `  ${v.name}${where ? ` ${where}` : ''}: ${m(ref, 'readyMs')} ms after ${kb(m(ref, 'bytes'))} (${m(ref, 'scripts')} scripts): now ${(m(ref, 'readyMs') / m(now, 'readyMs')).toFixed(2)}x sooner, ${(m(ref, 'bytes') / m(now, 'bytes')).toFixed(2)}x fewer bytes`,
    );
  }
  for (const [k, v] of variants.entries())
    console.log(`  runs ${v.name}: ${loads[k]!.map((x) => x.readyMs).join(', ')} ms`);
}

export async function run(): Promise<void> {
  await buildClient();
  const renderer = readdirSync(resolve(CLIENT, 'assets')).find((f) => /^mosaic-[\w-]+\.js$/.test(f));
  if (!renderer) throw new Error(`no mosaic-*.js in ${CLIENT}/assets`);
  const languages = await allLanguagesChunk();
  const consoleWords = await consoleWordsChunk();
  const variants: Variant[] = [
    { name: 'now', chunks: [], freeTable: false },
    { name: 'with all six languages', chunks: [languages], freeTable: true },
    { name: "with the console's words", chunks: [consoleWords], freeTable: false },
    { name: 'with the renderer', chunks: [renderer], freeTable: false },
  ];
  const kept: Variant[] = [
    { name: 'kept with its cookie', chunks: [], freeTable: false, kept: { lang: 'ru', cookie: true } },
    {
      name: 'kept in localStorage only',
      chunks: [],
      freeTable: false,
      kept: { lang: 'ru', cookie: false },
    },
  ];
  const server = await startE2EServer({});
  const browser = await launchBrowser();
  try {
    console.log(`\n## The contribute page on a phone (390x844, DPR 2, pt-BR), median of ${RUNS} fresh loads`);
    for (const profile of [PROFILES.fast3G, PROFILES.fourG])
      await compare(browser, server.url, profile, variants, 'in the first load');
    console.log(`\n## The same phone, Russian chosen on an earlier visit, median of ${RUNS} fresh loads`);
    for (const profile of [PROFILES.fast3G, PROFILES.fourG])
      await compare(browser, server.url, profile, kept, '');
  } finally {
    await browser.close();
    await server.stop();
    for (const f of readdirSync(resolve(CLIENT, 'assets')))
      if (BENCH_CHUNK.test(f)) rmSync(resolve(CLIENT, 'assets', f));
  }
}
