/**
 * End to end: accessibility. axe-core (WCAG 2.2 AA rule tags) on every page and state, in
 * English, Russian and Brazilian Portuguese, at phone and desktop sizes, failing on any
 * serious or critical violation; then what axe cannot see: the contribute page with a screen
 * reader's eyes, the admin queue from the keyboard, the event screen's pause key, its quiet
 * live region and reduced motion, 44 px targets, and 320 px width and 200 % zoom in all six
 * languages. Screenshots go to A11Y_SHOTS (default test-results/shots/a11y) for people to look at.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticJpeg } from '../support/images.ts';
import { upload } from '../support/server.ts';
import { axeViolations, type E2EServer, launchBrowser, startE2EServer, waitForSeq } from './harness.ts';
import { cellColour, cellColourIn, colourDistance, expectedColour, settle } from './pixels.ts';

const TOKEN = 'e2e-admin-token-0123456789';
const LANGS = ['en', 'ru', 'pt-BR'] as const;
const ALL_LANGS = ['en', 'ru', 'pt-BR', 'es', 'de', 'fr'] as const;
const SIZES = { phone: { width: 390, height: 844 }, desktop: { width: 1280, height: 800 } } as const;
const SHOTS = resolve(
  process.env.A11Y_SHOTS ?? resolve(import.meta.dirname, '../../test-results/shots/a11y'),
);

/** Tiles go live at once here (the contribute page's success view, the screen). */
let live: E2EServer;
/** Tiles wait for review here (the admin queue). */
let review: E2EServer;
let browser: Browser;
/** A kiss whose delete link the suite opens (and never uses). */
let toRemove: { id: number; deleteToken: string };

beforeAll(async () => {
  live = await startE2EServer({ ADMIN_TOKEN: TOKEN, MOSAIC_COLS: '16', MOSAIC_ROWS: '16' });
  review = await startE2EServer({ ADMIN_TOKEN: TOKEN, MODERATION: 'pre' });
  browser = await launchBrowser();
  mkdirSync(SHOTS, { recursive: true });
  for (let i = 1; i <= 6; i++) {
    const res = await upload(live.url, await syntheticJpeg(320, 320, 40 + i), { event: 'london' });
    toRemove = (await res.json()) as { id: number; deleteToken: string };
  }
  for (let i = 1; i <= 3; i++)
    await upload(review.url, await syntheticJpeg(320, 320, 60 + i), { event: 'london' });
});

afterAll(async () => {
  await browser?.close();
  await live?.stop();
  await review?.stop();
});

async function open(
  server: E2EServer,
  path: string,
  lang: string,
  viewport: { width: number; height: number },
  more: BrowserContextOptions = {},
): Promise<Page> {
  const ctx = await browser.newContext({ viewport, locale: lang, deviceScaleFactor: 1, ...more });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => console.error(`${path}: ${e.message}`));
  await page.goto(server.url + path);
  await page.waitForFunction((l) => document.documentElement.lang === l, lang);
  return page;
}

async function signIn(page: Page): Promise<void> {
  await page.fill('#token', TOKEN);
  await page.press('#token', 'Enter');
  await page.waitForSelector('#panel:not([hidden])');
}

async function choosePhoto(page: Page, seed: number, side = 400): Promise<void> {
  const buffer = await syntheticJpeg(side, side, seed);
  await page.setInputFiles('#file', { name: 'kiss.jpg', mimeType: 'image/jpeg', buffer });
}

const liveSeq = () => live.app.service.snapshot().seq;

/** A page that draws the mosaic, once it holds every tile sent so far. */
async function openMosaic(
  path: string,
  lang: string,
  size: { width: number; height: number },
  more: BrowserContextOptions = {},
): Promise<Page> {
  const page = await open(live, path, lang, size, more);
  await waitForSeq(page, liveSeq());
  return page;
}
let seed = 100;

/** Every page and state the suite checks: how to reach it from a fresh context. */
const STATES: Array<
  [
    string,
    (lang: string, size: { width: number; height: number }, more?: BrowserContextOptions) => Promise<Page>,
  ]
> = [
  ['add-form', (l, s, m) => open(live, '/add?event=london', l, s, m)],
  [
    'add-error',
    async (l, s, m) => {
      const page = await open(live, '/add', l, s, m);
      await page.click('#send');
      await page.waitForSelector('#file[aria-invalid="true"]');
      return page;
    },
  ],
  [
    'add-no-preview',
    async (l, s, m) => {
      // A HEIC, which Chromium cannot draw: the page names it instead (a long camera name must wrap).
      const page = await open(live, '/add?event=london', l, s, m);
      await page.setInputFiles('#file', {
        name: 'IMG_20261205_114233456_BURST001_COVER.HEIC',
        mimeType: 'image/heic',
        buffer: readFileSync(resolve(import.meta.dirname, '../fixtures/rocket-gps.heic')),
      });
      await page.waitForSelector('#no-preview:not([hidden])');
      return page;
    },
  ],
  [
    'add-resumed',
    async (l, s, m) => {
      // A kiss left waiting on a server that cannot be reached, the page closed and opened again:
      // the notice that says what goes out, and "Don't send it" beside the retry's words.
      const first = await open(live, '/add?event=london', l, s, m);
      const unreachable = (page: Page) =>
        page.route('**/api/tiles', (route) => route.abort('connectionreset'));
      await unreachable(first);
      await choosePhoto(first, seed++);
      await first.check('#consent');
      await first.click('#send');
      await first.waitForSelector('#not-sent:not([hidden])', { timeout: 20_000 });
      const page = await first.context().newPage();
      await first.close();
      await unreachable(page);
      await page.goto(`${live.url}/add?event=london`);
      await page.waitForFunction((lang) => document.documentElement.lang === lang, l);
      await page.waitForSelector('#resumed:not([hidden])');
      await page.waitForSelector('#not-sent:not([hidden])', { timeout: 20_000 });
      return page;
    },
  ],
  [
    'add-done',
    async (l, s, m) => {
      const page = await open(live, '/add?event=london', l, s, m);
      await choosePhoto(page, seed++);
      await page.check('#consent');
      await page.click('#send');
      await page.waitForSelector('#done-view:not([hidden])', { timeout: 30_000 });
      return page;
    },
  ],
  [
    'add-delete',
    async (l, s, m) => {
      // A delete link, its kiss's photo shown above the button.
      const page = await open(live, `/add?delete=${toRemove.id}.${toRemove.deleteToken}`, l, s, m);
      await page.waitForSelector('#delete-photo:not([hidden])');
      return page;
    },
  ],
  ['screen', (l, s, m) => openMosaic('/screen?event=london', l, s, m)],
  ['privacy', (l, s, m) => open(live, '/privacy', l, s, m)],
  ['admin-signed-out', (l, s, m) => open(review, '/admin', l, s, m)],
  [
    'admin-queue',
    async (l, s, m) => {
      const page = await open(review, '/admin', l, s, m);
      await signIn(page);
      await page.waitForSelector('#queue li.queue-item img[src^="blob:"]');
      return page;
    },
  ],
  [
    'admin-review',
    async (l, s, m) => {
      // A waiting tile in the larger view, over the queue.
      const page = await open(review, '/admin', l, s, m);
      await signIn(page);
      await page.waitForSelector('#queue li.queue-item img[src^="blob:"]');
      await page.click('#queue li.queue-item .thumb');
      await page.waitForSelector('#review[open] #review-img[src^="blob:"]');
      return page;
    },
  ],
  ['view', (l, s, m) => openMosaic('/', l, s, m)],
  [
    'view-tile',
    async (l, s, m) => {
      // The tile dialog over the viewer, opened from its permalink.
      const page = await openMosaic('/t/2', l, s, m);
      await page.waitForSelector('#tile[open]');
      await page.waitForFunction(() => document.getElementById('tile-time')?.textContent !== '');
      return page;
    },
  ],
];

describe.each(LANGS)('axe-core, WCAG 2.2 AA, in %s', (lang) => {
  it.each(Object.keys(SIZES) as Array<keyof typeof SIZES>)(
    'finds no serious or critical violation on any page at %s size',
    async (size) => {
      const found: string[] = [];
      for (const [name, reach] of STATES) {
        const page = await reach(lang, SIZES[size]);
        found.push(...(await axeViolations(page)).map((v) => `${name}: ${v}`));
        if (!name.startsWith('view'))
          await page.screenshot({ path: resolve(SHOTS, `${name}-${size}-${lang}.png`), fullPage: true });
        await page.context().close();
      }
      expect(found).toEqual([]);
    },
    240_000,
  );
});

/** A page of the layout checks: a state of STATES by its name, else `path` as it loads. */
function openAt(
  name: string,
  server: E2EServer,
  path: string,
  lang: string,
  size: { width: number; height: number },
  more: BrowserContextOptions = {},
): Promise<Page> {
  const state = STATES.find(([n]) => n === name);
  return state ? state[1](lang, size, more) : open(server, path, lang, size, more);
}

/** Elements that stick out of the window sideways, and controls whose target is under 44 × 44 px. */
async function layoutProblems(page: Page): Promise<{ wide: string[]; small: string[]; cut: string[] }> {
  return page.evaluate(() => {
    const name = (e: Element) => `${e.tagName.toLowerCase()}#${e.id}.${[...e.classList].join('.')}`;
    const width = document.documentElement.clientWidth;
    const wide =
      document.documentElement.scrollWidth > width + 1
        ? [...document.querySelectorAll('body *')]
            .filter((e) => e.getBoundingClientRect().right > width + 1)
            .map(name)
        : [];
    const small: string[] = [];
    for (const e of document.querySelectorAll<HTMLElement>(
      'a[href], button, input, select, [tabindex="0"]',
    )) {
      const own = e.getBoundingClientRect();
      if (own.width === 0 && own.height === 0) continue;
      // A checkbox or file input is hit through its label.
      const r = e.closest('label')?.getBoundingClientRect() ?? own;
      if (r.width < 43.5 || r.height < 43.5)
        small.push(`${name(e)} ${Math.round(r.width)}×${Math.round(r.height)}`);
    }
    // A select too narrow for its chosen option shows it cut ("Portuguê"): its text, padding,
    // borders and the 16 px of Chromium's arrow must fit its width.
    const cut: string[] = [];
    const measure = document.createElement('canvas').getContext('2d')!;
    for (const s of document.querySelectorAll('select')) {
      const r = s.getBoundingClientRect();
      const text = s.selectedOptions[0]?.text ?? '';
      if (r.width === 0 || !text) continue;
      const cs = getComputedStyle(s);
      measure.font = `${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
      const px = (v: string) => Number.parseFloat(v) || 0;
      const frame =
        px(cs.paddingLeft) + px(cs.paddingRight) + px(cs.borderLeftWidth) + px(cs.borderRightWidth);
      if (measure.measureText(text).width + frame + 16 > r.width + 0.5)
        cut.push(`${name(s)} "${text}" in ${Math.round(r.width)} px`);
    }
    return { wide, small, cut };
  });
}

describe('layout for low vision and small screens', () => {
  const pages: Array<[string, () => E2EServer, string, boolean]> = [
    ['add', () => live, '/add?event=london', false],
    ['add-no-preview', () => live, '/add?event=london', false],
    ['add-resumed', () => live, '/add?event=london', false],
    ['add-done', () => live, '/add?event=london', false],
    ['add-delete', () => live, '/add', false],
    ['privacy', () => live, '/privacy', false],
    ['admin', () => review, '/admin', true],
    ['admin-review', () => review, '/admin', false],
    ['screen', () => live, '/screen?event=london', false],
    ['view', () => live, '/', false],
  ];

  it.each(ALL_LANGS)(
    'at 320 px wide in %s nothing scrolls sideways, every target is 44 px or more and no select cuts its choice',
    async (lang) => {
      for (const [name, server, path, admin] of pages) {
        const page = await openAt(name, server(), path, lang, { width: 320, height: 640 });
        if (admin) {
          await signIn(page);
          await page.waitForSelector('#queue li.queue-item');
        }
        expect(await layoutProblems(page), `${name} in ${lang}`).toEqual({ wide: [], small: [], cut: [] });
        if (lang === 'en')
          await page.screenshot({ path: resolve(SHOTS, `${name}-320-${lang}.png`), fullPage: true });
        await page.context().close();
      }
    },
    120_000,
  );

  it.each(LANGS)(
    'at 200 per cent zoom of a 1280 × 800 window in %s the pages hold together',
    async (lang) => {
      for (const [name, server, path, admin] of pages) {
        // 200 % zoom: half as many CSS pixels, each drawn with two device pixels.
        const page = await openAt(
          name,
          server(),
          path,
          lang,
          { width: 640, height: 400 },
          { deviceScaleFactor: 2 },
        );
        if (admin) {
          await signIn(page);
          await page.waitForSelector('#queue li.queue-item img[src^="blob:"]');
        }
        if (name === 'screen' || name === 'view') await waitForSeq(page, liveSeq());
        expect((await layoutProblems(page)).wide, `${name} in ${lang}`).toEqual([]);
        await page.screenshot({ path: resolve(SHOTS, `${name}-zoom200-${lang}.png`), fullPage: true });
        await page.context().close();
      }
    },
    120_000,
  );
});

describe('the tile dialog in a short window', () => {
  /** The ids among `ids` not wholly inside both the dialog's box and the window. */
  const outOfView = (page: Page, ids: string[]) =>
    page.evaluate(`(() => {
      const d = document.getElementById('tile').getBoundingClientRect();
      return ${JSON.stringify(ids)}.filter((id) => {
        const r = document.getElementById(id).getBoundingClientRect();
        // A pixel's slack: scrolling into view may stop a fraction short.
        return r.top < Math.max(d.top, 0) - 1 || r.bottom > Math.min(d.bottom, innerHeight) + 1;
      });
    })()`) as Promise<string[]>;

  it.each([
    ['200 per cent zoom of a 1280 × 800 window', { width: 640, height: 400 }],
    ['a phone on its side', { width: 844, height: 390 }],
  ] as const)(
    'at %s puts the photo beside the text: every action and Report in view, in every language',
    async (_n, vp) => {
      for (const lang of ALL_LANGS) {
        const page = await open(live, '/t/2', lang, vp, { deviceScaleFactor: 2 });
        await page.waitForSelector('#tile[open]');
        await page.waitForFunction(() => document.getElementById('tile-time')?.textContent !== '');
        expect(await outOfView(page, ['tile-copy', 'tile-close', 'report-open']), `${lang}`).toEqual([]);
        await page.context().close();
      }
    },
    120_000,
  );

  it('at 200 per cent zoom of a phone scrolls each action into view as the keyboard reaches it, in every language', async () => {
    for (const lang of ALL_LANGS) {
      const page = await open(live, '/t/2', lang, { width: 390, height: 422 }, { deviceScaleFactor: 2 });
      await page.waitForSelector('#tile[open]');
      await page.waitForFunction(() => document.getElementById('tile-time')?.textContent !== '');
      for (const id of ['tile-copy', 'tile-close', 'report-open']) {
        for (let i = 0; i < 8 && (await page.evaluate('document.activeElement?.id')) !== id; i++)
          await page.keyboard.press('Tab');
        expect(await page.evaluate('document.activeElement?.id'), lang).toBe(id);
        await expect.poll(() => outOfView(page, [id]), { message: lang, timeout: 2000 }).toEqual([]);
      }
      await page.context().close();
    }
  }, 120_000);
});

describe('the contribute page with a screen reader', () => {
  it('announces errors in an alert and ties them to their field', async () => {
    const page = await open(live, '/add', 'en', SIZES.phone);
    const error = page.locator('#error');
    expect(await error.getAttribute('role')).toBe('alert');
    expect(await error.getAttribute('aria-live')).toBe('assertive');
    // No photo: the pickers are marked and described by the alert.
    await page.click('#send');
    await expect.poll(() => error.textContent()).toBe('Choose a photo first.');
    for (const id of ['#file', '#camera']) {
      expect(await page.getAttribute(id, 'aria-invalid')).toBe('true');
      expect(await page.getAttribute(id, 'aria-describedby')).toBe('error');
    }
    expect(await page.getByLabel('Choose a photo').count()).toBe(1);
    // A photo but no consent: now the checkbox, focused.
    await choosePhoto(page, seed++);
    await page.waitForSelector('#preview-box:not([hidden])');
    expect(await page.getAttribute('#file', 'aria-invalid')).toBeNull();
    await page.click('#send');
    await expect.poll(() => error.textContent()).toBe('Please confirm that both people agree.');
    expect(await page.getAttribute('#consent', 'aria-invalid')).toBe('true');
    expect(await page.getAttribute('#consent', 'aria-describedby')).toBe('error');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('consent');
    expect(
      await page
        .getByRole('checkbox', { name: 'Both people in this photo agree to share it publicly.' })
        .count(),
    ).toBe(1);
    await page.check('#consent');
    expect(await page.getAttribute('#consent', 'aria-invalid')).toBeNull();
    await page.screenshot({ path: resolve(SHOTS, 'add-error-states-phone-en.png'), fullPage: true });

    // The server refuses a photo too small: said, and the pickers are marked.
    await choosePhoto(page, seed++, 120);
    await page.click('#send');
    await expect.poll(() => error.textContent(), { timeout: 15_000 }).toContain('too small');
    expect(await page.getAttribute('#file', 'aria-invalid')).toBe('true');
    expect(await page.getAttribute('#file', 'aria-describedby')).toBe('error');
    await page.context().close();
  });

  it('shows the upload as a progressbar with values, then focuses the success heading', async () => {
    const page = await open(live, '/add', 'en', SIZES.phone);
    // A slow uplink, so the upload takes a few seconds.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 50,
      downloadThroughput: 4_000_000,
      uploadThroughput: 60_000,
    });
    await choosePhoto(page, seed++, 1600);
    await page.check('#consent');
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { seen: string[] }).seen = seen;
      const bar = document.getElementById('progress')!;
      new MutationObserver(() => seen.push(bar.getAttribute('aria-valuenow') ?? '')).observe(bar, {
        attributeFilter: ['aria-valuenow'],
      });
    });
    await page.click('#send');
    const bar = page.getByRole('progressbar', { name: 'Sending your photo' });
    await bar.waitFor({ state: 'visible' });
    expect(await bar.getAttribute('aria-valuemin')).toBe('0');
    expect(await bar.getAttribute('aria-valuemax')).toBe('100');
    await page.waitForSelector('#done-view:not([hidden])', { timeout: 60_000 });
    const seen = (await page.evaluate(() => (window as unknown as { seen: string[] }).seen)).map(Number);
    expect(seen[0]).toBe(0);
    expect(seen.at(-1)).toBe(100);
    expect(
      seen.some((v) => v > 0 && v < 100),
      `values seen: ${seen.join(', ')}`,
    ).toBe(true);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);

    // The success heading has the focus and is described by the delete link's purpose.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('done-title');
    expect(await page.textContent('#done-title')).toBe('Your kiss is in the mosaic!');
    const described = await page.evaluate(() =>
      (document.getElementById('done-title')!.getAttribute('aria-describedby') ?? '')
        .split(' ')
        .map((id) => document.getElementById(id)?.textContent)
        .join(' '),
    );
    expect(described).toContain('anyone who has it can remove your photo');
    expect(await page.getByRole('textbox', { name: 'Your private delete link' }).inputValue()).toMatch(
      /\/add\?delete=\d+\./,
    );
    await page.context().close();
  });
});

describe('the admin queue from the keyboard', () => {
  it('approves with A and rejects with R, keeping the focus in place in the list', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await upload(review.url, await syntheticJpeg(320, 320, 200 + i));
      ids.push(((await res.json()) as { id: number }).id);
    }
    const page = await open(review, '/admin', 'en', SIZES.desktop);
    await signIn(page);
    await page.waitForSelector('#queue li.queue-item');
    expect(await page.textContent('#queue-keys')).toContain('A approves, R rejects');
    const rows = () => page.$$eval('#queue li.queue-item input', (els) => els.map((e) => e.id));
    const focused = () =>
      page.evaluate(() => {
        const a = document.activeElement;
        const li = a?.closest('#queue li.queue-item');
        return li ? [...li.parentElement!.children].indexOf(li) : -1;
      });
    const before = await rows();
    expect(before.length).toBeGreaterThanOrEqual(4);

    await page.focus(`#${before[0]}`);
    await page.keyboard.press('a');
    await expect.poll(() => page.textContent('#queue-msg')).toBe('1 tile approved.');
    await expect.poll(rows).toEqual(before.slice(1));
    expect(await focused()).toBe(0);
    const approved = Number(before[0]!.replace('pick-', ''));
    expect(review.app.service.get(approved)?.status).toBe('live');

    await page.keyboard.press('ArrowDown');
    expect(await focused()).toBe(1);
    await page.keyboard.press('r');
    await expect.poll(() => page.textContent('#queue-msg')).toBe('1 tile rejected and deleted.');
    await expect.poll(rows).toEqual([before[1]!, ...before.slice(3)]);
    expect(await focused()).toBe(1);
    expect(review.app.service.get(Number(before[2]!.replace('pick-', '')))).toBeUndefined();

    // The last row: the focus goes to the row before it.
    await page.focus(`#${(await rows()).at(-1)}`);
    const n = (await rows()).length;
    await page.keyboard.press('r');
    await expect.poll(async () => (await rows()).length).toBe(n - 1);
    expect(await focused()).toBe(n - 2);
    await page.keyboard.press('ArrowUp');
    expect(await focused()).toBe(Math.max(0, n - 3));
    await page.screenshot({ path: resolve(SHOTS, 'admin-keyboard-desktop-en.png'), fullPage: true });
    await page.context().close();
  });
});

/**
 * Waits until the screen has no highlight running and its camera and arrivals are still
 * (a screen that has just opened may still be highlighting the latest arrivals, 5 s each).
 */
async function calm(page: Page): Promise<void> {
  await page.waitForFunction(() => document.body.dataset.highlight === undefined, undefined, {
    timeout: 60_000,
    polling: 100,
  });
  await settle(page);
}

async function sendLive(s: number): Promise<number> {
  const res = await upload(live.url, await syntheticJpeg(320, 320, s), { event: 'london' });
  return ((await res.json()) as { id: number }).id;
}

/** Records every text change of the page's live regions (role status/alert/log, aria-live). */
async function watchLiveRegions(page: Page): Promise<() => Promise<string[]>> {
  await page.evaluate(() => {
    const said: string[] = [];
    (window as unknown as { said: string[] }).said = said;
    const regions = document.querySelectorAll('[aria-live], [role="status"], [role="alert"], [role="log"]');
    for (const r of regions)
      new MutationObserver(() => said.push(`${r.id}: ${r.textContent}`)).observe(r, {
        childList: true,
        characterData: true,
        subtree: true,
      });
  });
  return () => page.evaluate(() => (window as unknown as { said: string[] }).said);
}

describe('the event screen', () => {
  it('pauses on P: a tile sent meanwhile is neither counted nor drawn until resume; the live region speaks only when asked', async () => {
    const page = await open(live, '/screen?event=london', 'en', { width: 960, height: 540 });
    await waitForSeq(page, liveSeq());
    await calm(page);
    const said = await watchLiveRegions(page);
    const total = await page.textContent('#total');

    // Arrivals while running: counted, drawn, and not said.
    await sendLive(seed++);
    await waitForSeq(page, liveSeq());
    await expect.poll(() => page.textContent('#total')).not.toBe(total);
    await page.waitForTimeout(1000);
    expect(await said()).toEqual([]);

    // Paused: the button and the badge say so, and the live region says it once.
    await calm(page);
    const counted = await page.textContent('#total');
    await page.keyboard.press('p');
    expect(await page.textContent('#pause')).toBe('Resume (P)');
    expect(await page.isVisible('#paused')).toBe(true);
    await expect.poll(() => page.textContent('#screen-said')).toContain('Paused.');
    const shot = await page.screenshot();
    const id = await sendLive(seed++);
    // The feed keeps up (so nothing is missed) but the screen holds the change.
    await waitForSeq(page, liveSeq());
    await page.waitForTimeout(1500);
    expect(await page.textContent('#total')).toBe(counted);
    const held = await cellColour(page, id);
    const was = await cellColourIn(shot, page, id);
    expect(colourDistance(held, was), `paused cell ${held}, before ${was}`).toBeLessThan(6);
    expect(await page.evaluate(() => document.body.dataset.highlight)).toBeUndefined();

    // Resumed: counted and drawn.
    await page.keyboard.press('p');
    expect(await page.textContent('#pause')).toBe('Pause (P)');
    await expect.poll(() => page.textContent('#total')).not.toBe(counted);
    await expect.poll(() => page.textContent('#screen-said')).toContain('Resumed.');
    await settle(page);
    const shown = await cellColour(page, id);
    expect(colourDistance(shown, await expectedColour(page, id))).toBeLessThan(45);

    // S says the totals, and only then.
    await page.keyboard.press('s');
    await expect
      .poll(() => page.textContent('#screen-said'))
      .toBe(`${await page.textContent('#total')}. ${await page.textContent('#event-count')}`);
    expect((await said()).every((s) => s.startsWith('screen-said: '))).toBe(true);
    await page.context().close();
  }, 180_000);

  it('shows its buttons on keyboard focus after they fade', async () => {
    const page = await open(live, '/screen?event=london', 'en', { width: 960, height: 540 });
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('pause');
    await page.waitForFunction(() => document.body.classList.contains('idle'), undefined, { timeout: 6_000 });
    await page.waitForTimeout(600);
    const opacity = (sel: string) => page.$eval(sel, (e) => getComputedStyle(e).opacity);
    expect(await opacity('#pause')).toBe('1');
    expect(await opacity('#fullscreen')).toBe('0');
    expect(await page.getAttribute('#pause', 'aria-keyshortcuts')).toBe('P');
    await page.context().close();
  });

  it('with reduced motion: no fly-in and no camera flight, a still outline on the new tile', async () => {
    const page = await open(
      live,
      '/screen?event=london',
      'en',
      { width: 960, height: 540 },
      {
        reducedMotion: 'reduce',
      },
    );
    await waitForSeq(page, liveSeq());
    await settle(page);
    // Every frame: did the camera move, fly, or a tile animate in?
    await page.evaluate(() => {
      type B = { animating: boolean; camera: object; stats(): { arrivals: number } };
      const b = (window as unknown as { kiss: { board: B } }).kiss.board;
      const start = JSON.stringify(b.camera);
      const w = window as unknown as { motion: string[] };
      w.motion = [];
      const frame = () => {
        if (b.animating) w.motion.push('camera flight');
        if (JSON.stringify(b.camera) !== start) w.motion.push('camera moved');
        if (b.stats().arrivals > 0) w.motion.push('fly-in');
        requestAnimationFrame(frame);
      };
      requestAnimationFrame(frame);
    });
    const id = await sendLive(seed++);
    await waitForSeq(page, liveSeq());
    // The static highlight: the new tile's cell is outlined where it is (after any earlier
    // arrivals' highlights, 2.2 s each).
    const cell = await page.evaluate((tileId) => {
      type B = { tileById(id: number): { col: number; row: number } | null };
      const t = (window as unknown as { kiss: { board: B } }).kiss.board.tileById(tileId)!;
      return `${t.col},${t.row}`;
    }, id);
    await page.waitForFunction((c) => document.body.dataset.highlight === c, cell, {
      timeout: 30_000,
      polling: 50,
    });
    // The cell shows the tile's colour, read from the canvas: the QR code's panel and the buttons
    // are hidden for the read, as the tile may have landed under them. On a loaded machine the
    // frame that paints it may come a little after the highlight starts.
    const overlays = (visibility: string) =>
      page.evaluate((v) => {
        for (const e of document.querySelectorAll<HTMLElement>('.screen-overlay, .screen-buttons'))
          e.style.visibility = v;
      }, visibility);
    await overlays('hidden');
    await expect
      .poll(async () => colourDistance(await cellColour(page, id), await expectedColour(page, id)), {
        timeout: 10_000,
      })
      .toBeLessThan(45);
    await overlays('');
    await page.waitForFunction(() => document.body.dataset.highlight === undefined, undefined, {
      timeout: 30_000,
    });
    expect(
      await page.evaluate(() => [...new Set((window as unknown as { motion: string[] }).motion)]),
    ).toEqual([]);
    await page.context().close();
  }, 120_000);
});
