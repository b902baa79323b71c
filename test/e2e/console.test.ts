/**
 * End to end: the organiser's console in Chromium against the real server (EVENTS=listed).
 * The live panel must move while uploads arrive (figures, tables and the chart's pixels),
 * a rally made with the form must list its links and print its flyer, and a screen for an
 * unregistered rally must say so.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ConsoleMessages, en as consoleEn } from '../../client/i18n/console/en.ts';
import { ru as consoleRu } from '../../client/i18n/console/ru.ts';
import { RALLY_TEXT_MAX, type RallyList } from '../../shared/rallies.ts';
import { EVENT_CODE_MAX } from '../../shared/rally.ts';
import { TIMELAPSE_LIMITS } from '../../shared/timelapse.ts';
import { syntheticJpeg } from '../support/images.ts';
import { writeTree } from '../support/importCli.ts';
import { upload } from '../support/server.ts';
import { asOlderPage, axeViolations, signInAdmin } from './harness.ts';
import { useE2E } from './useE2E.ts';

const TOKEN = 'e2e-admin-token-0123456789';
const SHOTS = resolve(process.env.CONSOLE_SHOTS ?? resolve(import.meta.dirname, '../../test-results/shots'));
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 800 };

const e2e = useE2E({ ADMIN_TOKEN: TOKEN, EVENTS: 'listed', MOSAIC_COLS: '8', MOSAIC_ROWS: '8' });

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
});

const signIn = (viewport: { width: number; height: number }): Promise<Page> =>
  signInAdmin(e2e.browser(), e2e.server().url, TOKEN, viewport);

/** The value shown beside a figure's label. */
const figure = (page: Page, label: string) =>
  page.evaluate((l) => {
    for (const div of document.querySelectorAll('#stat-grid > div'))
      if (div.querySelector('dt')?.textContent === l) return div.querySelector('dd')?.textContent ?? null;
    return null;
  }, label);

/** Pixels of the accent colour in the tiles-per-minute chart's canvas. */
const pinkPixels = (page: Page) =>
  page.evaluate(() => {
    const c = document.querySelector<HTMLCanvasElement>('#chart-tiles canvas');
    const ctx = c?.getContext('2d');
    if (!c || !ctx) return -1;
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4)
      if (d[i]! > 200 && d[i + 1]! < 140 && d[i + 2]! > 100 && d[i + 3]! > 100) n++;
    return n;
  });

describe('the organiser console', () => {
  it('takes in each rally field no more than the registry accepts', async () => {
    const page = await signIn(DESKTOP);
    const maxLength = (selector: string) =>
      page.$$eval(selector, (els) => els.map((el) => (el as HTMLInputElement).maxLength));
    // The rally form's code, and the code fields of the takedown, the video and the import.
    expect(await maxLength('#rally-code-field, #rally-code, #video-rally, #import-rally')).toEqual(
      Array(4).fill(EVENT_CODE_MAX),
    );
    expect(await maxLength('#rally-form [name=name], #rally-form [name=city]')).toEqual([
      RALLY_TEXT_MAX,
      RALLY_TEXT_MAX,
    ]);
    // And a video only as long as the route makes.
    expect(
      await page.$eval('#video-seconds', (el) => [
        (el as HTMLInputElement).min,
        (el as HTMLInputElement).max,
      ]),
    ).toEqual([String(TIMELAPSE_LIMITS.minSeconds), String(TIMELAPSE_LIMITS.maxSeconds)]);
    // Its label says those bounds, and the presets their sizes, in the console's language.
    const fill = (msg: unknown, values: Record<string, string | number>) =>
      String(msg).replace(/\{(\w+)\}/g, (_, k: string) => String(values[k]));
    const words = (table: ConsoleMessages) => [
      fill(table['admin.videoSquare'], { w: 1080, h: 1080 }),
      fill(table['admin.videoStory'], { w: 1080, h: 1920 }),
      fill(table['admin.videoSeconds'], {
        min: TIMELAPSE_LIMITS.minSeconds,
        max: TIMELAPSE_LIMITS.maxSeconds,
      }),
    ];
    const shown = () =>
      page.evaluate(() =>
        ['admin.videoSquare', 'admin.videoStory', 'admin.videoSeconds'].map(
          (k) => document.querySelector(`#video-form [data-i18n="${k}"]`)?.textContent,
        ),
      );
    expect(await shown()).toEqual(words(consoleEn));
    expect(words(consoleEn)).toEqual([
      'Square post, 1080 × 1080',
      'Story, 1080 × 1920',
      'Length in seconds (2 to 120)',
    ]);
    await page.selectOption('.lang-switch select', 'ru');
    await page.waitForFunction(() => document.documentElement.lang === 'ru');
    expect(await shown()).toEqual(words(consoleRu));
    await page.context().close();
  });

  it('creates a rally from the form, with its links and flyers', async () => {
    const page = await signIn(DESKTOP);
    await page.waitForSelector('#rally-list li');
    // An organiser using the console in Portuguese: a new rally starts in Portuguese.
    await page.selectOption('.lang-switch select', 'pt-BR');
    await page.click('#rally-new');
    expect(await page.inputValue('#rally-form [name=language]')).toBe('pt-BR');
    await page.keyboard.type('lisbon');
    await page.fill('#rally-form [name=name]', 'Beijaço no Rossio');
    await page.fill('#rally-form [name=city]', 'Lisboa');
    await page.fill('#rally-form [name=timeZone]', 'Europe/Lisbon');
    await page.fill('#rally-form [name=date]', '2026-06-13');
    await page.selectOption('#rally-form [name=moderation]', 'post');
    await page.press('#rally-form [name=city]', 'Enter');
    await page.waitForSelector('[data-edit="lisbon"]');
    expect(await page.textContent('#rally-msg')).toContain('lisbon');
    const listed = await fetch(`${e2e.server().url}/api/admin/rallies`, {
      headers: { Authorization: `Bearer ${TOKEN}` },
    });
    const lisbon = ((await listed.json()) as RallyList).rallies.find((r) => r.code === 'lisbon');
    expect(lisbon).toMatchObject({ language: 'pt-BR', timeZone: 'Europe/Lisbon', moderation: 'post' });
    await page.selectOption('.lang-switch select', 'en');
    const flyer = await page.getAttribute('.rally-item a[href*="A3"]', 'href');
    const res = await fetch(e2e.server().url + flyer);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    // A bad time zone is said next to the form, and nothing is sent.
    await page.click('#rally-new');
    expect(await page.inputValue('#rally-form [name=language]')).toBe('en');
    await page.fill('#rally-form [name=code]', 'porto');
    await page.fill('#rally-form [name=name]', 'Porto');
    await page.fill('#rally-form [name=city]', 'Porto');
    await page.fill('#rally-form [name=timeZone]', 'Europe/Nowhere');
    await page.fill('#rally-form [name=date]', '2026-06-13');
    await page.click('#rally-form button[type=submit]');
    expect(await page.textContent('#rally-form-msg')).toContain('time zone');
    await page.screenshot({ path: resolve(SHOTS, 'console-rallies-desktop.png'), fullPage: true });
    await page.context().close();
  });

  it('moves the live panel while uploads arrive', async () => {
    const page = await signIn(DESKTOP);
    await page.waitForFunction(() => document.querySelectorAll('#stat-grid > div').length > 0);
    const before = Number(await figure(page, 'Tiles in the mosaic'));
    const pinkBefore = await pinkPixels(page);
    for (let i = 1; i <= 3; i++) {
      const r = await upload(e2e.server().url, await syntheticJpeg(400, 400, i), { event: 'lisbon' });
      expect(r.status).toBe(201);
    }
    const refused = await upload(e2e.server().url, await syntheticJpeg(400, 400, 9), { event: 'madrid' });
    expect(refused.status).toBe(400);
    await page.waitForFunction(
      (n) => {
        for (const div of document.querySelectorAll('#stat-grid > div'))
          if (div.querySelector('dt')?.textContent === 'Tiles in the mosaic')
            return div.querySelector('dd')?.textContent === String(n);
        return false;
      },
      before + 3,
      { timeout: 10_000 },
    );
    await page.waitForFunction(() =>
      document.querySelector('#stat-refused')?.textContent?.includes('UNKNOWN_EVENT'),
    );
    expect(await page.textContent('#stat-rallies')).toContain('lisbon');
    expect(await figure(page, 'Upload to visible')).toMatch(/median/);
    expect(await page.textContent('#chart-tiles-text')).toContain('3\u00a0in the last hour');
    expect(await pinkPixels(page)).toBeGreaterThan(pinkBefore);
    await page.screenshot({ path: resolve(SHOTS, 'console-stats-desktop.png'), fullPage: true });
    await page.context().close();

    const phone = await signIn(PHONE);
    await phone.waitForSelector('[data-edit="lisbon"]');
    await phone.waitForFunction(() => document.querySelectorAll('#stat-grid > div').length > 0);
    await phone.screenshot({ path: resolve(SHOTS, 'console-phone.png'), fullPage: true });
    // The figures wrap on a phone: between figures, never between a number and its unit.
    const figures = await phone.$$eval('#stat-grid dd', (dds) => dds.map((d) => d.textContent ?? ''));
    expect(figures.join(' | ')).toMatch(/\d\u00a0%.*\d\u00a0ms/);
    expect(figures.filter((f) => /\d [%\p{L}]/u.test(f))).toEqual([]);
    // The form on a phone: every field a full-width 44 px target, opened and left by keyboard.
    await phone.focus('#rally-new');
    await phone.keyboard.press('Enter');
    expect(await phone.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('code');
    const small = await phone.$$eval('#rally-form input, #rally-form select, #rally-form button', (els) =>
      els.filter((e) => e.getBoundingClientRect().height < 43.5 || e.getBoundingClientRect().right > 390),
    );
    expect(small).toHaveLength(0);
    await phone.locator('#rally-form').screenshot({ path: resolve(SHOTS, 'console-phone-form.png') });
    await phone.keyboard.press('Escape');
    expect(await phone.isHidden('#rally-form')).toBe(true);
    await phone.context().close();
  });

  it('a console from before a deploy says so beside its live numbers, with a button that reloads it', async () => {
    const ctx = await e2e.browser().newContext({ viewport: PHONE, locale: 'de-DE', deviceScaleFactor: 1 });
    const page = await ctx.newPage();
    const older = await asOlderPage(page, true);
    await page.goto(`${e2e.server().url}/admin`);
    await page.fill('#token', TOKEN);
    await page.press('#token', 'Enter');
    await page.waitForSelector('#stats-status .status-reload');
    expect(older.refused).toBeGreaterThan(0);
    expect(await page.textContent('#stats-status')).toBe(
      'Es gibt eine neue Version. Bitte lade die Seite neu. Neu laden',
    );
    // Refused once, not retried every few seconds.
    const refused = older.refused;
    await page.waitForTimeout(3000);
    expect(older.refused).toBe(refused);
    await page.locator('#stats').screenshot({ path: resolve(SHOTS, 'console-outdated-phone-de.png') });
    expect(await axeViolations(page, '#stats')).toEqual([]);

    older.on = false;
    await page.click('#stats-status .status-reload');
    await expect.poll(() => page.textContent('#stats-status'), { timeout: 15_000 }).toMatch(/^Live/);
    await ctx.close();
  });

  it('counts the viewers and screens of a rally that opened its links', async () => {
    const ctx = await e2e.browser().newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-GB' });
    const pages: Page[] = [];
    // The rally's viewer link, the registry's screen link, and a viewer link to an unlisted rally.
    for (const path of ['/?event=lisbon', '/screen?event=lisbon', '/?event=atlantis']) {
      const p = await ctx.newPage();
      await p.goto(e2e.server().url + path);
      pages.push(p);
    }
    // The unlisted rally's viewer is refused it at the handshake and still shows the mosaic.
    await pages[2]!.waitForFunction(() => /\d/.test(document.querySelector('#counter')?.textContent ?? ''));
    // "Add your kiss" from a rally's mosaic adds it for that rally; not for a rally the server refuses.
    expect(await pages[0]!.getAttribute('#add-link', 'href')).toBe('/add?event=lisbon');
    await expect.poll(() => pages[2]!.getAttribute('#add-link', 'href')).toBe('/add');
    const online = async () => {
      const res = await fetch(`${e2e.server().url}/api/admin/stats`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      return ((await res.json()) as { online: unknown }).online;
    };
    await expect
      .poll(online, { timeout: 10_000 })
      .toEqual({ viewers: 2, screens: 1, viewersPerRally: { lisbon: 1 }, screensPerRally: { lisbon: 1 } });

    for (const [name, viewport] of [
      ['phone', PHONE],
      ['desktop', DESKTOP],
      ['wide', { width: 1920, height: 1080 }],
    ] as const) {
      const page = await signIn(viewport);
      expect(await page.textContent('h1')).toBe("Organiser's console");
      const lisbon = page.locator('#stat-rallies tr', { hasText: 'lisbon' });
      await lisbon.waitFor();
      // Rally, tiles, viewers, screens: the console's own page is not a viewer.
      expect((await lisbon.locator('td').allTextContents()).slice(1)).toEqual(['1', '1']);
      expect(await page.getAttribute('.rally-item a[href="/?event=lisbon"]', 'aria-label')).toContain(
        'Viewer page',
      );
      await page.screenshot({ path: resolve(SHOTS, `console-viewers-${name}.png`), fullPage: true });
      await page.context().close();
    }
    await ctx.close();
  });

  it("names a registered rally on its pages: its city on its screen, in the rally's language, and its name on its contribute page and tile cards", async () => {
    const listed = await fetch(`${e2e.server().url}/api/admin/rallies`, {
      headers: { Authorization: `Bearer ${TOKEN}` },
    });
    const lisbon = ((await listed.json()) as RallyList).rallies.find((r) => r.code === 'lisbon')!;
    expect(lisbon.links.screen).toBe('/screen?event=lisbon&lang=pt-BR');
    // A screen in Lisbon shown from a laptop set to English speaks the rally's Portuguese.
    const ctx = await e2e.browser().newContext({ viewport: { width: 1920, height: 1080 }, locale: 'en-GB' });
    const screen = await ctx.newPage();
    await screen.goto(e2e.server().url + lisbon.links.screen);
    await screen.waitForFunction(() =>
      /de Lisboa$/.test(document.getElementById('event-count')?.textContent ?? ''),
    );
    expect(await screen.evaluate(() => document.documentElement.lang)).toBe('pt-BR');
    expect(await screen.textContent('#event-count')).toMatch(/^\d+ de Lisboa$/);
    const sent = await upload(e2e.server().url, await syntheticJpeg(400, 400, 31), { event: 'lisbon' });
    expect(sent.status).toBe(201);
    const { id } = (await sent.json()) as { id: number };
    await screen.waitForSelector('#toast:not([hidden])');
    expect(await screen.textContent('#toast')).toBe('Um beijo novo de Lisboa!');
    await screen.screenshot({ path: resolve(SHOTS, 'console-screen-rally-city.png') });

    // Its contribute page and a tile card, in the visitor's own language, by the rally's name and city.
    const add = await ctx.newPage();
    await add.goto(`${e2e.server().url}${lisbon.links.contribute}`);
    await add.waitForFunction(() => document.getElementById('event-tag')?.textContent?.includes('Rossio'));
    expect(await add.textContent('#event-tag')).toBe('For the rally: Beijaço no Rossio, Lisboa');
    await screen.close();
    await add.close();
    const card = await ctx.newPage();
    await card.goto(`${e2e.server().url}/t/${id}?event=lisbon`);
    await card.waitForSelector('#tile[open]');
    await expect.poll(() => card.textContent('#tile-event')).toBe('Rally: Beijaço no Rossio, Lisboa');
    await ctx.close();
  });

  it("a screen that runs for hours learns an organiser's edit of its rally's city within minutes", async () => {
    const url = e2e.server().url;
    const auth = { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' };
    const listed = await fetch(`${url}/api/admin/rallies`, { headers: auth });
    const lisbon = ((await listed.json()) as RallyList).rallies.find((r) => r.code === 'lisbon')!;
    const edit = (city: string) =>
      fetch(`${url}/api/admin/rallies/lisbon`, {
        method: 'PUT',
        headers: auth,
        body: JSON.stringify({
          code: lisbon.code,
          name: lisbon.name,
          city,
          timeZone: lisbon.timeZone,
          date: lisbon.date,
          language: lisbon.language,
          moderation: lisbon.moderation,
        }),
      });
    const ctx = await e2e.browser().newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-GB' });
    const screen = await ctx.newPage();
    // The page's timers under the test's hand: the screen asks again every few minutes.
    await screen.clock.install();
    await screen.goto(url + lisbon.links.screen);
    const counter = () => screen.textContent('#event-count');
    await expect.poll(counter).toMatch(/^\d+ de Lisboa$/);
    try {
      expect((await edit('Lisboa, Rossio')).status).toBe(200);
      await screen.clock.fastForward(60_000);
      // Not yet: a screen does not ask the registry every minute.
      expect(await counter()).toMatch(/^\d+ de Lisboa$/);
      await screen.clock.fastForward(300_000);
      await expect.poll(counter, { timeout: 20_000 }).toMatch(/^\d+ de Lisboa, Rossio$/);
    } finally {
      expect((await edit(lisbon.city)).status).toBe(200);
    }
    await screen.clock.fastForward(300_000);
    await expect.poll(counter, { timeout: 20_000 }).toMatch(/^\d+ de Lisboa$/);
    await ctx.close();
  });

  it('shows the per-rally table as one block a rally on a 320 px phone in every language, still a table to screen readers', async () => {
    for (const lang of ['en', 'ru', 'pt-BR', 'es', 'de', 'fr']) {
      const page = await signInAdmin(
        e2e.browser(),
        e2e.server().url,
        TOKEN,
        { width: 320, height: 640 },
        undefined,
        {
          locale: lang,
        },
      );
      await page.locator('#stat-rallies th', { hasText: 'lisbon' }).waitFor();
      const layout = await page.evaluate(() => {
        const heads = [...document.querySelectorAll('.stat-table.stack thead th')].map(
          (th) => th.textContent,
        );
        const row = [...document.querySelectorAll('#stat-rallies tr')].find((tr) =>
          tr.querySelector('th')?.textContent?.includes('lisbon'),
        );
        return {
          headerShown: document.querySelector('.stat-table.stack thead')!.getBoundingClientRect().height > 1,
          cells: [...(row?.querySelectorAll('td') ?? [])].map((td) => {
            const r = td.getBoundingClientRect();
            const lineHeight = Number.parseFloat(getComputedStyle(td).lineHeight);
            return {
              // What a phone shows before the number: its column's name, on one line with it.
              label: getComputedStyle(td, '::before').content.startsWith(`"${heads[td.cellIndex]} "`),
              oneLine: r.height < 1.6 * lineHeight,
              inside: r.right <= document.documentElement.clientWidth,
            };
          }),
          wide: document.documentElement.scrollWidth > document.documentElement.clientWidth,
        };
      });
      expect(layout.headerShown, lang).toBe(false);
      expect(layout.wide, lang).toBe(false);
      expect(layout.cells, lang).toEqual(Array(3).fill({ label: true, oneLine: true, inside: true }));
      // Chromium's own accessibility tree: the blocks are still a row header and its cells.
      const cdp = await page.context().newCDPSession(page);
      const { nodes } = (await cdp.send('Accessibility.getFullAXTree')) as {
        nodes: Array<{ ignored: boolean; role?: { value: string }; name?: { value: string } }>;
      };
      const seen = nodes
        .filter((n) => !n.ignored && ['rowheader', 'cell', 'columnheader'].includes(n.role?.value ?? ''))
        .map((n) => `${n.role?.value}:${n.name?.value ?? ''}`);
      const at = seen.indexOf('rowheader:lisbon');
      expect(at, lang).toBeGreaterThan(-1);
      expect(seen.slice(at + 1, at + 4).map((r) => r.split(':')[0])).toEqual(['cell', 'cell', 'cell']);
      if (lang === 'de')
        await page.locator('.stat-tables').screenshot({ path: resolve(SHOTS, 'console-tables-320-de.png') });
      await page.context().close();
    }
  });

  it('tells a screen and a contribute page whose rally is not registered, before any photo is sent', async () => {
    const ctx = await e2e.browser().newContext({ viewport: { width: 1920, height: 1080 }, locale: 'en-GB' });
    const page = await ctx.newPage();
    await page.goto(`${e2e.server().url}/screen?event=atlantis`);
    await page.waitForSelector('#unknown-event:not([hidden])');
    expect(await page.textContent('#unknown-event')).toContain('atlantis');
    expect(await page.isHidden('.screen-overlay .qr')).toBe(true);
    expect(await page.isHidden('#event-count')).toBe(true);
    await page.screenshot({ path: resolve(SHOTS, 'console-screen-unknown.png') });
    await ctx.close();

    const phone = await e2e.browser().newContext({ viewport: PHONE, locale: 'en-GB' });
    const add = await phone.newPage();
    const sent: string[] = [];
    add.on('request', (r) => {
      if (r.method() === 'POST') sent.push(r.url());
    });
    await add.goto(`${e2e.server().url}/add?event=atlantis`);
    await expect
      .poll(() => add.textContent('#error'))
      .toBe(
        'There is no rally with this code on this server. Please use the link or QR code from your rally.',
      );
    expect(await add.isVisible('#error')).toBe(true);
    expect(sent).toEqual([]);
    await add.screenshot({ path: resolve(SHOTS, 'console-add-unknown-390.png'), fullPage: true });
    await phone.close();
  });

  it('stops a browser import for a rally the registry does not hold at the first answer, says what to do, and once it is registered says which photos wait for its review', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiss-e2e-unknown-rally-'));
    try {
      const photos = await Promise.all([1, 2, 3, 4, 5, 6].map((i) => syntheticJpeg(480, 360, 700 + i)));
      writeTree(dir, Object.fromEntries(photos.map((p, i) => [`p${i}.jpg`, p])));
      const page = await signIn(PHONE);
      const sent: string[] = [];
      page.on('request', (r) => {
        if (r.url().includes('/api/admin/import')) sent.push(r.url());
      });
      const before = (await fetch(`${e2e.server().url}/api/mosaic`).then((r) => r.json())) as {
        tileCount: number;
      };
      await page.fill('#import-rally', 'madrid');
      await page.setInputFiles('#import-folder', dir);
      await expect
        .poll(() => page.textContent('#import-msg'), { timeout: 30_000 })
        .toBe(
          'There is no rally “madrid” in the registry, and this server takes only registered rallies. Add it under Rallies, then import again.',
        );
      // At most the files already under way (three at a time) met the refusal; none after it.
      expect(sent.length).toBeLessThanOrEqual(3);
      // The run is over: the status says how far it went, with no time left to wait.
      expect(await page.textContent('#import-status')).toBe('0 of 6 files');
      const after = (await fetch(`${e2e.server().url}/api/mosaic`).then((r) => r.json())) as {
        tileCount: number;
      };
      expect(after.tileCount).toBe(before.tileCount);
      await page.locator('#import-msg').scrollIntoViewIfNeeded();
      await page.screenshot({ path: resolve(SHOTS, 'console-import-unknown-rally-390.png') });

      // Registered, with a review before its photos show: the same files go in, waiting for it.
      const made = await fetch(`${e2e.server().url}/api/admin/rallies`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({
          code: 'madrid',
          name: 'Besada en la embajada',
          city: 'Madrid',
          timeZone: 'Europe/Madrid',
          date: '2026-12-12',
          language: 'es',
          moderation: 'pre',
        }),
      });
      expect(made.status).toBe(201);
      await page.setInputFiles('#import-folder', dir);
      await expect
        .poll(() => page.textContent('#import-msg'), { timeout: 60_000 })
        .toBe('The import is finished.');
      expect(await page.textContent('#import-imported')).toBe('6 imported (6 waiting for review)');
      await page.locator('#import-summary').scrollIntoViewIfNeeded();
      await page.screenshot({ path: resolve(SHOTS, 'console-import-pending-390.png') });
      await page.context().close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
