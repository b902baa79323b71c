/**
 * End to end: the admin page's Print section in Chromium against the real server. Its forms offer
 * what the print routes accept (shared/print.ts); the sticker sheet and the wall map are fetched
 * with the token and saved as PDFs; the poster opens in a new tab.
 */
import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { en as consoleEn } from '../../client/i18n/console/en.ts';
import { PAPERS, POSTER_DPIS, POSTER_SIZES, PRINT_DEFAULTS, PRINT_LIMITS } from '../../shared/print.ts';
import { syntheticJpeg } from '../support/images.ts';
import { readPdf } from '../support/pdf.ts';
import { upload } from '../support/server.ts';
import { signInAdmin } from './harness.ts';
import { useE2E } from './useE2E.ts';

const TOKEN = 'e2e-admin-token-0123456789';
const e2e = useE2E({ ADMIN_TOKEN: TOKEN, MOSAIC_COLS: '8', MOSAIC_ROWS: '8' });
const TILES = 5;

beforeAll(async () => {
  for (let i = 1; i <= TILES; i++) {
    const res = await upload(e2e.server().url, await syntheticJpeg(320, 320, 700 + i));
    expect(res.status).toBe(201);
  }
});

const signIn = (): Promise<Page> =>
  signInAdmin(e2e.browser(), e2e.server().url, TOKEN, { width: 1280, height: 800 }, '#print-title', {
    acceptDownloads: true,
  });

/** A form field's offered values, or its bounds and value. */
const choices = (page: Page, form: string, name: string) =>
  page.$eval(`#${form} [name="${name}"]`, (el) =>
    el instanceof HTMLSelectElement
      ? { options: [...el.options].map((o) => o.value), value: el.value }
      : {
          min: (el as HTMLInputElement).min,
          max: (el as HTMLInputElement).max,
          value: (el as HTMLInputElement).value,
        },
  );

/** Presses a form's button and reads back the file it saves. */
async function saved(page: Page, form: string): Promise<{ name: string; bytes: Buffer }> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.click(`#${form} button`)]);
  return { name: download.suggestedFilename(), bytes: await readFile((await download.path())!) };
}

describe('the Print section of the admin page', () => {
  it('offers exactly what the print routes accept, from their defaults', async () => {
    const page = await signIn();
    expect(await choices(page, 'print-poster', 'size')).toEqual({
      options: Object.keys(POSTER_SIZES),
      value: PRINT_DEFAULTS.size,
    });
    expect(await choices(page, 'print-poster', 'dpi')).toEqual({
      options: POSTER_DPIS.map(String),
      value: String(PRINT_DEFAULTS.dpi),
    });
    expect(await choices(page, 'print-poster', 'bleed')).toEqual({
      min: '0',
      max: String(PRINT_LIMITS.bleedMaxMm),
      value: '3',
    });
    expect(
      await page.$eval('#print-poster [name="caption"]', (el) => (el as HTMLInputElement).maxLength),
    ).toBe(PRINT_LIMITS.captionMax);
    for (const form of ['print-stickers', 'print-wallmap'])
      expect(await choices(page, form, 'paper')).toEqual({
        options: Object.keys(PAPERS),
        value: PRINT_DEFAULTS.paper,
      });
    expect(await choices(page, 'print-stickers', 'tile')).toEqual({
      min: String(PRINT_LIMITS.stickerMinMm),
      max: String(PRINT_LIMITS.stickerMaxMm),
      value: String(PRINT_DEFAULTS.stickerMm),
    });
    expect(await choices(page, 'print-wallmap', 'cell')).toEqual({
      min: String(PRINT_LIMITS.cellMinMm),
      max: String(PRINT_LIMITS.cellMaxMm),
      value: String(PRINT_DEFAULTS.cellMm),
    });

    // Beyond a bound, the browser says so and nothing is asked of the server.
    const asked: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/api/admin/wallmap.pdf')) asked.push(r.url());
    });
    await page.fill('#print-wallmap [name="cell"]', String(PRINT_LIMITS.cellMaxMm + 1));
    await page.click('#print-wallmap button');
    expect(
      await page.$eval('#print-wallmap [name="cell"]', (el) => (el as HTMLInputElement).validationMessage),
    ).not.toBe('');
    expect(asked).toEqual([]);
    await page.context().close();
  });

  it('saves the sticker sheet and the wall map as PDFs, and opens the poster in a new tab', async () => {
    const page = await signIn();
    await page.selectOption('#print-stickers [name="paper"]', 'Letter');
    const stickers = await saved(page, 'print-stickers');
    expect(stickers.name).toMatch(/\.pdf$/);
    const sheet = await readPdf(stickers.bytes);
    // US Letter, as chosen: 8.5 x 11 inches.
    expect(sheet.pages[0]).toEqual({ width: 612, height: 792 });
    await expect
      .poll(() => page.textContent('#print-msg'))
      .toContain(consoleEn['admin.stickersDone'].other.replace('{n}', String(TILES)));
    expect(await page.textContent('#print-msg')).toContain(consoleEn['admin.stickersAllDone']);

    const wallmap = await saved(page, 'print-wallmap');
    expect(wallmap.name).toMatch(/\.pdf$/);
    const map = await readPdf(wallmap.bytes);
    expect(map.pages.length).toBeGreaterThan(0);
    await expect.poll(() => page.textContent('#print-msg')).toMatch(/^Wall map downloaded \(\d+ pages?\)\.$/);

    // The poster is public: the form opens its address, as a PNG here, at the size and dpi chosen.
    await page.selectOption('#print-poster [name="size"]', 'A4');
    await page.selectOption('#poster-format', 'png');
    const [res] = await Promise.all([
      page.context().waitForEvent('response', (r) => r.url().includes('/api/mosaic/poster.png')),
      page.context().waitForEvent('page'),
      page.click('#print-poster button'),
    ]);
    expect(res.status()).toBe(200);
    expect(res.headers()['content-type']).toBe('image/png');
    const q = new URL(res.url()).searchParams;
    expect(Object.fromEntries(q)).toMatchObject({ size: 'A4', dpi: String(PRINT_DEFAULTS.dpi), bleed: '3' });
    await page.context().close();
  });
});
