/**
 * Each page loads the words of one language (client/i18n/index.ts), the one its HTML names
 * (server/http/pageLanguage.ts), and only the admin page the console's words: the built client in
 * Chromium against the real server.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { de as consoleDe } from '../../client/i18n/console/de.ts';
import { es as consoleEs } from '../../client/i18n/console/es.ts';
import { de } from '../../client/i18n/de.ts';
import { es } from '../../client/i18n/es.ts';
import { fr } from '../../client/i18n/fr.ts';
import { ru } from '../../client/i18n/ru.ts';
import { CONSOLE_TABLE_MODULES, TABLE_MODULES } from '../../server/http/pageLanguage.ts';
import { RALLY_LANGUAGES, type RallyLanguage } from '../../shared/rallies.ts';
import { builtManifest } from './harness.ts';
import { useE2E } from './useE2E.ts';

const e2e = useE2E({ MOSAIC_COLS: '8', MOSAIC_ROWS: '8' });

/** A language's table of the pages' words (`de`), or of the console's (`console de`). */
type TableName = RallyLanguage | `console ${RallyLanguage}`;

/** Each language's two tables as built: their addresses, from the build's manifest. */
function tableFiles(): Map<string, TableName> {
  const manifest = builtManifest();
  return new Map<string, TableName>([
    ...RALLY_LANGUAGES.map((code) => [`/${manifest[TABLE_MODULES[code]]!.file}`, code] as const),
    ...RALLY_LANGUAGES.map(
      (code) => [`/${manifest[CONSOLE_TABLE_MODULES[code]]!.file}`, `console ${code}`] as const,
    ),
  ]);
}

/** The tables `html` names as modulepreloads, in order. */
function preloaded(html: string): TableName[] {
  const files = tableFiles();
  return [...html.matchAll(/<link rel="modulepreload" crossorigin href="([^"]+)">/g)]
    .map((m) => files.get(m[1]!))
    .filter((l) => l !== undefined);
}

async function page(path: string, locale: string, saved?: string): Promise<Page> {
  const ctx = await e2e.browser().newContext({ viewport: { width: 390, height: 844 }, locale });
  if (saved) await ctx.addInitScript((l) => localStorage.setItem('kiss.lang', l), saved);
  const p = await ctx.newPage();
  await p.goto(e2e.server().url + path);
  return p;
}

/** The tables `p` has fetched so far. */
async function fetchedTables(p: Page): Promise<TableName[]> {
  const files = tableFiles();
  const names = await p.evaluate(() =>
    performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname),
  );
  return names.map((n) => files.get(n)).filter((l) => l !== undefined);
}

async function htmlFor(
  path: string,
  acceptLanguage: string,
  cookie?: string,
): Promise<{ html: string; vary: string }> {
  const res = await fetch(e2e.server().url + path, {
    headers: { 'Accept-Language': acceptLanguage, ...(cookie ? { Cookie: cookie } : {}) },
  });
  expect(res.status).toBe(200);
  return { html: await res.text(), vary: res.headers.get('vary') ?? '' };
}

describe('the words of one language per page', () => {
  it("names the table of the request's language in each page, ?lang first, English when none fits", async () => {
    for (const path of ['/', '/add', '/screen', '/admin', '/privacy', '/t/1']) {
      const { html, vary } = await htmlFor(path, 'de-AT,de;q=0.9,en;q=0.5');
      // The console's words only where the console is.
      expect(preloaded(html), path).toEqual(path === '/admin' ? ['de', 'console de'] : ['de']);
      expect(vary, path).toMatch(/Accept-Language/);
      expect(vary, path).toMatch(/Cookie/);
    }
    // By weight, not by order; a base language finds its regional table; ?lang wins.
    expect(preloaded((await htmlFor('/add', 'fr;q=0.4, ru;q=0.8')).html)).toEqual(['ru']);
    expect(preloaded((await htmlFor('/add', 'pt')).html)).toEqual(['pt-BR']);
    expect(preloaded((await htmlFor('/add?lang=es', 'ru')).html)).toEqual(['es']);
    expect(preloaded((await htmlFor('/add?lang=xx', 'ja, ko;q=0.5')).html)).toEqual(['en']);
    // The language kept by the switch (its cookie) comes before Accept-Language, after ?lang.
    for (const path of ['/add', '/admin', '/t/1']) {
      const { html } = await htmlFor(path, 'de', 'kiss_client=abcdefghijklmnop; kiss_lang=ru');
      expect(preloaded(html), path).toEqual(path === '/admin' ? ['ru', 'console ru'] : ['ru']);
    }
    expect(preloaded((await htmlFor('/add?lang=es', 'de', 'kiss_lang=ru')).html)).toEqual(['es']);
    expect(preloaded((await htmlFor('/add', 'de', 'kiss_lang=xx')).html)).toEqual(['de']);
    expect(preloaded((await htmlFor('/add', 'de', 'other_kiss_lang=ru')).html)).toEqual(['de']);
  });

  it('fetches only the language it shows, the one its HTML named, and the console’s words only on the console', async () => {
    for (const [path, locale, lang] of [
      ['/add?event=london', 'de-DE', 'de'],
      ['/', 'ru-RU', 'ru'],
      ['/screen?event=london', 'pt-BR', 'pt-BR'],
      ['/admin', 'fr-FR', 'fr'],
      ['/privacy?lang=es', 'ru-RU', 'es'],
    ] as const) {
      const p = await page(path, locale);
      await p.waitForFunction((l) => document.documentElement.lang === l, lang);
      expect((await fetchedTables(p)).sort(), path).toEqual(
        path === '/admin' ? [`console ${lang}`, lang] : [lang],
      );
      await p.context().close();
    }
  });

  it('the console switches both its tables, and shows its own words in the new language', async () => {
    const p = await page('/admin', 'de-DE');
    await p.waitForFunction(() => document.documentElement.lang === 'de');
    expect(await p.textContent('[data-i18n="admin.login"]')).toBe(consoleDe['admin.login']);
    await p.locator('.lang-switch select').first().selectOption('es');
    await p.waitForFunction(() => document.documentElement.lang === 'es');
    expect(await p.textContent('[data-i18n="admin.login"]')).toBe(consoleEs['admin.login']);
    expect(await p.textContent('[data-i18n="lang.label"]')).toBe(es['lang.label']);
    expect((await fetchedTables(p)).sort()).toEqual(['console de', 'console es', 'de', 'es']);
    await p.context().close();
  });

  it('a language kept in the browser is fetched by the page and shown, and named by the next page', async () => {
    // Kept in localStorage only, as before the cookie: the server guesses English from the
    // browser, and the page asks for Spanish itself.
    const p = await page('/add', 'en-GB', 'es');
    await p.waitForFunction(() => document.documentElement.lang === 'es');
    expect(await p.textContent('[data-i18n="lang.label"]')).toBe(es['lang.label']);
    expect((await fetchedTables(p)).sort()).toEqual(['en', 'es']);
    // The page told the server through the cookie: the next page's HTML names Spanish alone.
    const next = await p.goto(`${e2e.server().url}/privacy`);
    expect(preloaded(await next!.text())).toEqual(['es']);
    await p.waitForFunction(() => document.documentElement.lang === 'es');
    expect(await fetchedTables(p)).toEqual(['es']);
    await p.context().close();
  });

  it('over HTTPS the kept language’s cookie is Secure', async () => {
    // The page at an https:// address, each request answered by the test server.
    const ctx = await e2e.browser().newContext({ viewport: { width: 390, height: 844 }, locale: 'en-GB' });
    const site = 'https://kiss4lgbtqrights.example';
    await ctx.route(`${site}/**`, async (route) => {
      const url = new URL(route.request().url());
      await route.fulfill({
        response: await route.fetch({ url: e2e.server().url + url.pathname + url.search }),
      });
    });
    const p = await ctx.newPage();
    await p.goto(`${site}/add`);
    await p.waitForFunction(() => document.documentElement.lang === 'en');
    await p.locator('.lang-switch select').first().selectOption('fr');
    await p.waitForFunction(() => document.documentElement.lang === 'fr');
    expect((await ctx.cookies(site)).find((c) => c.name === 'kiss_lang')).toMatchObject({
      value: 'fr',
      secure: true,
      sameSite: 'Lax',
    });
    await ctx.close();
  });

  it('arrow keys on the switch fetch only the language they rest on, or the one Enter or leaving picks', async () => {
    const ctx = await e2e.browser().newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-GB' });
    const p = await ctx.newPage();
    // The page's timers under the test's hand, paused once it is up: keys take no time here. (The
    // fake clock stands in for `performance` too: the tables are told by the requests.)
    const requested: string[] = [];
    p.on('request', (r) => requested.push(new URL(r.url()).pathname));
    const fetched = () => {
      const files = tableFiles();
      return requested.flatMap((path) => files.get(path) ?? []).sort();
    };
    await p.clock.install();
    await p.goto(`${e2e.server().url}/add`);
    await p.waitForFunction(() => document.documentElement.lang === 'en');
    await p.clock.pauseAt(Date.now() + 60_000);
    // Asked from here: the page's own polling would wait for animation frames the paused clock holds.
    const lang = () => p.evaluate(() => document.documentElement.lang);
    const select = p.locator('.lang-switch select').first();
    await select.focus();

    // English, then Русский, Português, Español, Deutsch: each passed, none switched to.
    for (let i = 0; i < 4; i++) await p.keyboard.press('ArrowDown');
    expect(await select.inputValue()).toBe('de');
    await p.clock.runFor(500);
    expect(await lang()).toBe('en');
    expect(fetched()).toEqual(['en']);
    // Once the keys rest, the page switches to where they stopped.
    await p.clock.runFor(200);
    await expect.poll(lang).toBe('de');
    expect(await p.textContent('[data-i18n="lang.label"]')).toBe(de['lang.label']);
    expect(fetched()).toEqual(['de', 'en']);

    // Enter switches at once, with no time passing.
    await p.keyboard.press('ArrowDown');
    await p.keyboard.press('Enter');
    await expect.poll(lang).toBe('fr');
    expect(await p.textContent('[data-i18n="lang.label"]')).toBe(fr['lang.label']);
    // So does leaving the select; and keys that come back to the language shown fetch nothing.
    await p.keyboard.press('ArrowUp');
    await p.keyboard.press('ArrowDown');
    await p.keyboard.press('ArrowUp');
    await p.keyboard.press('Tab');
    await expect.poll(lang).toBe('de');
    await p.keyboard.press('Shift+Tab');
    await p.keyboard.press('ArrowUp');
    await p.keyboard.press('ArrowDown');
    await p.clock.runFor(1000);
    expect(await lang()).toBe('de');
    expect(fetched()).toEqual(['de', 'en', 'fr']);
    expect(await p.evaluate(() => localStorage.getItem('kiss.lang'))).toBe('de');
    await ctx.close();
  });

  it('the last choice wins, even one back to the language shown while another is on its way', async () => {
    const p = await page('/add', 'de-DE');
    await p.waitForFunction(() => document.documentElement.lang === 'de');
    // Spanish's words held back until German is chosen again.
    const esFile = [...tableFiles()].find(([, name]) => name === 'es')![0];
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    await p.route(
      (u) => u.pathname === esFile,
      async (route) => {
        await held;
        await route.continue();
      },
    );
    const select = p.locator('.lang-switch select').first();
    const asked = p.waitForRequest((r) => new URL(r.url()).pathname === esFile);
    await select.selectOption('es');
    await asked;
    await select.selectOption('de');
    release();
    // Once the page holds Spanish's module (its own import settles with this one, then a task on):
    // Spanish arrived after German was chosen again, and the page stays German.
    // (A string, so that the test's own transform leaves the page's import alone.)
    await p.evaluate(`import(${JSON.stringify(esFile)}).then(() => new Promise((r) => setTimeout(r, 50)))`);
    expect(await fetchedTables(p)).toContain('es');
    expect(await p.evaluate(() => document.documentElement.lang)).toBe('de');
    expect(await select.inputValue()).toBe('de');
    expect(await p.textContent('[data-i18n="lang.label"]')).toBe(de['lang.label']);
    await p.context().close();
  });

  it('switching fetches the new language; offline, the page keeps its language and says why', async () => {
    const p = await page('/add', 'de-DE');
    await p.waitForFunction(() => document.documentElement.lang === 'de');
    const select = p.locator('.lang-switch select').first();

    await p.context().setOffline(true);
    await select.selectOption('es');
    await expect
      .poll(() => select.evaluate((s: HTMLSelectElement) => s.validationMessage))
      .toBe(de['lang.failed']);
    expect(await select.inputValue()).toBe('de');
    expect(await p.evaluate(() => document.documentElement.lang)).toBe('de');

    // Back online, the same choice is fetched again, and then another.
    await p.context().setOffline(false);
    await select.selectOption('es');
    await p.waitForFunction(() => document.documentElement.lang === 'es');
    expect(await p.textContent('[data-i18n="lang.label"]')).toBe(es['lang.label']);
    expect(await select.evaluate((s: HTMLSelectElement) => s.validationMessage)).toBe('');
    await select.selectOption('ru');
    await p.waitForFunction(() => document.documentElement.lang === 'ru');
    expect(await p.textContent('[data-i18n="lang.label"]')).toBe(ru['lang.label']);
    expect(new Set(await fetchedTables(p))).toEqual(new Set(['de', 'es', 'ru']));
    // Kept for the next page, by the page and for the server.
    expect(await p.evaluate(() => localStorage.getItem('kiss.lang'))).toBe('ru');
    const cookies = await p.context().cookies();
    expect(cookies.find((c) => c.name === 'kiss_lang')).toMatchObject({
      value: 'ru',
      path: '/',
      sameSite: 'Lax',
    });
    const next = await p.goto(`${e2e.server().url}/add`);
    expect(preloaded(await next!.text())).toEqual(['ru']);
    await p.waitForFunction(() => document.documentElement.lang === 'ru');
    expect(await fetchedTables(p)).toEqual(['ru']);
    await p.context().close();
  });
});
