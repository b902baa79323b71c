/**
 * End to end: the admin page's bulk import in Chromium against the real server. A ZIP of
 * photos (and one file that is not a photo) is picked; the progress bar moves through the
 * import, the summary counts imported and refused files with the bad file's code, and the
 * same ZIP again is all skipped. A folder pick works the same way.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { en } from '../../client/i18n/en.ts';
import { PHOTO_EXTENSIONS } from '../../shared/importFiles.ts';
import type { AdminStats } from '../../shared/rallies.ts';
import { syntheticJpeg } from '../support/images.ts';
import { parseReport, writeTree, zipOf } from '../support/importCli.ts';
import { removeDir } from '../support/server.ts';
import { axeViolations, builtChunk, signInAdmin } from './harness.ts';
import { useE2E } from './useE2E.ts';

const TOKEN = 'e2e-admin-token-0123456789';
const SHOTS = process.env.SHOTS_DIR ?? '/tmp/shots-importer';
const work = mkdtempSync(join(tmpdir(), 'kiss-e2e-import-'));

const e2e = useE2E({ ADMIN_TOKEN: TOKEN, MOSAIC_COLS: '8', MOSAIC_ROWS: '8' });

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
}, 120_000);

afterAll(async () => {
  removeDir(work);
});

const signIn = (viewport: { width: number; height: number }): Promise<Page> =>
  signInAdmin(e2e.browser(), e2e.server().url, TOKEN, viewport, '#import-title', { acceptDownloads: true });

/** Records every value the progress bar shows, with the fill's width, from now on. */
function recordProgress(page: Page): Promise<void> {
  return page.evaluate(() => {
    const bar = document.getElementById('import-progress')!;
    const fill = document.getElementById('import-fill')!;
    const seen: [number, number][] = [];
    (window as unknown as { seen: typeof seen }).seen = seen;
    new MutationObserver(() => {
      seen.push([Number(bar.getAttribute('aria-valuenow')), fill.getBoundingClientRect().width]);
    }).observe(bar, { attributes: true, attributeFilter: ['aria-valuenow'] });
  });
}

const summaryText = async (page: Page) => (await page.locator('#import-summary').textContent()) ?? '';
const tileCount = async () =>
  ((await (await fetch(`${e2e.server().url}/api/mosaic`)).json()) as { tileCount: number }).tileCount;

describe('admin bulk import', () => {
  it('imports a picked ZIP (an iPhone HEIC among its photos) with a moving progress bar, names the bad file, and skips it all the second time', async () => {
    const photos = await Promise.all(Array.from({ length: 10 }, (_, i) => syntheticJpeg(900, 700, 900 + i)));
    const zip = join(work, 'booth.zip');
    writeFileSync(
      zip,
      await zipOf({
        ...Object.fromEntries(photos.map((p, i) => [`booth/p${i}.jpg`, p])),
        // An iPhone's photo, as its gallery exports it.
        'booth/IMG_0001.HEIC': readFileSync(join(import.meta.dirname, '../fixtures/rocket-gps.heic')),
        'booth/readme.txt': 'hi',
      }),
    );
    const page = await signIn({ width: 1280, height: 800 });
    // The picker offers ZIPs and every photo ending the import sends.
    const accept = (await page.getAttribute('#import-files', 'accept'))!.split(',');
    expect(accept).toEqual(expect.arrayContaining(['.zip', ...PHOTO_EXTENSIONS.map((e) => `.${e}`)]));
    // zip.js comes with the first ZIP, not with the page.
    const zipJs = builtChunk(/node_modules\/@zip\.js\/zip\.js\/index\.js$/).file;
    const fetched = () =>
      page.evaluate(() => performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname));
    expect(await fetched()).not.toContain(zipJs);
    await recordProgress(page);
    await page.setInputFiles('#import-files', zip);
    await page.waitForSelector('#import-summary:not([hidden])', { timeout: 60_000 });
    expect(await fetched()).toContain(zipJs);
    const seen = await page.evaluate(() => (window as unknown as { seen: [number, number][] }).seen);
    const values = seen.map(([v]) => v);
    // It moved: several steps between the ends, never backwards, and ended full.
    expect(values.filter((v) => v > 0 && v < 100).length).toBeGreaterThanOrEqual(3);
    expect(values).toEqual([...values].sort((a, b) => a - b));
    expect(values.at(-1)).toBe(100);
    const widths = seen.map(([, w]) => w);
    expect(widths.at(-1)!).toBeGreaterThan(widths.find((w) => w > 0)!);
    const text = await summaryText(page);
    expect(text).toContain('11 imported');
    expect(text).toContain('0 skipped (imported before)');
    expect(text).toContain('1 refused');
    expect(text).toMatch(/booth\.zip\/booth\/readme\.txt\s+UNSUPPORTED_FORMAT/);
    expect(await page.locator('#import-msg').textContent()).toBe('The import is finished.');
    expect(await page.locator('#import-status').textContent()).toMatch(/^12 of 12 files · [\d.]+ photos\/s$/);
    // The report of every file, as `npm run import --report` writes it.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#import-report')]);
    expect(download.suggestedFilename()).toBe('import-report.csv');
    const csv = readFileSync((await download.path())!, 'utf8');
    const rows = parseReport(csv);
    expect(rows.size).toBe(12);
    expect(rows.get('booth.zip/booth/readme.txt')).toMatchObject({
      status: 'refused',
      code: 'UNSUPPORTED_FORMAT',
    });
    const imported = [...rows.values()].filter((r) => r.status === 'imported');
    expect(imported).toHaveLength(11);
    expect(new Set(imported.map((r) => r.tile)).size).toBe(11);
    await page.screenshot({ path: join(SHOTS, 'admin-import-1280.png'), fullPage: true });
    // The section with its summary passes axe's WCAG 2.2 AA rules (serious and critical).
    expect(await axeViolations(page, 'section[aria-labelledby="import-title"]')).toEqual([]);

    await page.setInputFiles('#import-files', zip);
    await page.waitForFunction(() =>
      document.getElementById('import-skipped')?.textContent?.startsWith('11 skipped'),
    );
    expect(await summaryText(page)).toContain('0 imported');
    const mosaic = (await (await fetch(`${e2e.server().url}/api/mosaic`)).json()) as { tileCount: number };
    expect(mosaic.tileCount).toBe(11);
    await page.context().close();
  }, 120_000);

  it('imports a picked folder with nested folders, on a phone-sized screen and a large one', async () => {
    const dir = join(work, 'gallery');
    const photos = await Promise.all([1, 2, 3].map((i) => syntheticJpeg(800, 600, 950 + i)));
    writeTree(dir, { 'a.jpg': photos[0]!, 'day2/b.jpg': photos[1]!, 'day2/night/c.png': 'not really a png' });
    writeFileSync(join(dir, 'day2/night/d.jpg'), photos[2]!);
    const phone = await signIn({ width: 390, height: 844 });
    // What is no rally code stops the import before anything is sent, rather than importing
    // the photos without their rally.
    const before = await tileCount();
    await phone.fill('#import-rally', 'London 2026');
    await phone.setInputFiles('#import-folder', dir);
    await expect
      .poll(() => phone.textContent('#import-msg'))
      .toBe('A rally code has lowercase letters, digits and dashes, like “london”.');
    expect(await phone.evaluate(() => document.activeElement?.id)).toBe('import-rally');
    expect(await tileCount()).toBe(before);
    await phone.fill('#import-rally', 'London');
    await phone.setInputFiles('#import-folder', dir);
    await phone.waitForSelector('#import-summary:not([hidden])', { timeout: 60_000 });
    const text = await summaryText(phone);
    expect(text).toContain('3 imported');
    // Under the rally typed, in its canonical form.
    const stats = await fetch(`${e2e.server().url}/api/admin/stats`, {
      headers: { Authorization: `Bearer ${TOKEN}` },
    });
    expect(((await stats.json()) as AdminStats).tiles.perRally.london).toBe(3);
    expect(text).toMatch(/gallery\/day2\/night\/c\.png\s+UNSUPPORTED_FORMAT/);
    const width = await phone.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(390);
    const box = await phone.locator('label.btn:has(#import-folder)').boundingBox();
    expect(box!.height).toBeGreaterThanOrEqual(44);
    await phone.locator('#import-title').scrollIntoViewIfNeeded();
    await phone.screenshot({ path: join(SHOTS, 'admin-import-390.png'), fullPage: true });
    // The summary is said again in another language, and still fits the phone's width.
    await phone.locator('.lang-switch select').selectOption('ru');
    await phone.waitForFunction(() =>
      document.getElementById('import-imported')?.textContent?.includes('Импортировано 3'),
    );
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await phone.screenshot({ path: join(SHOTS, 'admin-import-390-ru.png'), fullPage: true });
    await phone.context().close();

    const large = await signIn({ width: 1920, height: 1080 });
    await large.locator('#import-title').scrollIntoViewIfNeeded();
    await large.screenshot({ path: join(SHOTS, 'admin-import-1920.png'), fullPage: true });
    await large.context().close();
  }, 120_000);
  it('waits while the connection is down, says so, and goes on by itself once it is back: nothing refused', async () => {
    const dir = join(work, 'venue');
    mkdirSync(dir, { recursive: true });
    for (let i = 0; i < 5; i++) writeFileSync(join(dir, `v${i}.jpg`), await syntheticJpeg(800, 600, 960 + i));
    const before = await tileCount();
    const page = await signIn({ width: 390, height: 844 });
    // The venue's Wi-Fi drops just as the import starts.
    await page.context().setOffline(true);
    await page.setInputFiles('#import-folder', dir);
    await page.waitForFunction(() =>
      document.getElementById('import-status')?.textContent?.includes('The server cannot be reached'),
    );
    expect(await page.locator('#import-status').textContent()).toBe(
      '0 of 5 files · The server cannot be reached: the import waits and goes on by itself once it answers. No photo is sent twice.',
    );
    await page.locator('#import-title').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(SHOTS, 'admin-import-waiting-390.png'), fullPage: true });
    // A while later it still waits, with no file given up.
    await page.waitForTimeout(4_000);
    expect(await page.locator('#import-summary').isHidden()).toBe(true);
    await page.context().setOffline(false);
    await page.waitForSelector('#import-summary:not([hidden])', { timeout: 60_000 });
    const text = await summaryText(page);
    expect(text).toContain('5 imported');
    expect(text).toContain('0 refused');
    expect(await page.locator('#import-status').textContent()).toMatch(/^5 of 5 files · [\d.]+ photos\/s$/);
    expect(await tileCount()).toBe(before + 5);
    await page.context().close();
  }, 120_000);

  it("gives up a request left hanging (a dead connection), waits through a proxy's 502, and sends the photo again", async () => {
    const dir = join(work, 'hanging');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'h.jpg'), await syntheticJpeg(800, 600, 975));
    const before = await tileCount();
    const page = await signIn({ width: 1280, height: 800 });
    // The first request reaches the server, which imports the photo, but its answer never comes
    // back, as on a connection a Wi-Fi drop left dead; the second gets a proxy's page saying the
    // server behind it does not answer (it restarts); the third is answered.
    const urls: string[] = [];
    let landed: Promise<unknown> = Promise.resolve();
    await page.route('**/api/admin/import**', async (route) => {
      urls.push(route.request().url());
      if (urls.length === 1) {
        landed = route.fetch().catch(() => null);
        return;
      }
      if (urls.length === 2)
        return route.fulfill({ status: 502, contentType: 'text/html', body: '<html>502 Bad Gateway</html>' });
      await route.continue();
    });
    await page.setInputFiles('#import-folder', dir);
    await page.waitForSelector('#import-summary:not([hidden])', { timeout: 60_000 });
    await landed;
    expect(urls).toHaveLength(3);
    // Sent again after a lost answer: the server is asked to say how old the photo's tile is…
    expect(urls.map((u) => new URL(u).search)).toEqual(['', '?resent=1', '?resent=1']);
    // …so the photo the lost try imported counts as imported by this import, not as imported before.
    const text = await summaryText(page);
    expect(text).toContain('1 imported');
    expect(text).toContain('0 skipped');
    expect(await tileCount()).toBe(before + 1);
    await page.context().close();
  }, 90_000);

  it('stops at once when one file stops the import (a full disk), sending none of the waiting files again', async () => {
    const dir = join(work, 'full');
    mkdirSync(dir, { recursive: true });
    const photos = await Promise.all([0, 1, 2].map((i) => syntheticJpeg(800, 600, 960 + i)));
    for (const [i, p] of photos.entries()) writeFileSync(join(dir, `f${i}.jpg`), p);
    const page = await signIn({ width: 1280, height: 800 });
    // The first photo is answered, 4 s on, by a disk that filled up; the others meet a passing
    // refusal each time, so they are then between tries.
    let full = false;
    const after: string[] = [];
    await page.route('**/api/admin/import**', async (route) => {
      if (full) after.push(route.request().url());
      if (route.request().postDataBuffer()?.includes('filename="f0.jpg"')) {
        await new Promise((r) => setTimeout(r, 4_000));
        full = true;
        return route.fulfill({
          status: 507,
          contentType: 'application/json',
          body: JSON.stringify({ error: { code: 'STORAGE_FULL', message: 'The disk is full.' } }),
        });
      }
      return route.fulfill({
        status: 409,
        contentType: 'application/json',
        body: JSON.stringify({ error: { code: 'IMPORT_IN_PROGRESS', message: 'Being imported.' } }),
      });
    });
    await page.setInputFiles('#import-folder', dir);
    await page.waitForSelector('#import-summary:not([hidden])', { timeout: 60_000 });
    expect(full).toBe(true);
    expect(after).toEqual([]);
    expect(await page.locator('#import-msg').textContent()).toContain('out of disk space');
    const text = await summaryText(page);
    expect(text).toContain('0 imported');
    expect(text).toContain('0 refused');
    await page.context().close();
  }, 90_000);

  it('stops while it waits for the connection when asked, counting no file refused', async () => {
    const dir = join(work, 'stopped');
    mkdirSync(dir, { recursive: true });
    for (let i = 0; i < 3; i++) writeFileSync(join(dir, `s${i}.jpg`), await syntheticJpeg(800, 600, 970 + i));
    const page = await signIn({ width: 1280, height: 800 });
    await page.context().setOffline(true);
    await page.setInputFiles('#import-folder', dir);
    await page.waitForFunction(() =>
      document.getElementById('import-status')?.textContent?.includes('The server cannot be reached'),
    );
    await page.click('#import-stop');
    await page.waitForSelector('#import-summary:not([hidden])');
    expect(await page.locator('#import-msg').textContent()).toBe(
      'Stopped. Send the same files again to go on: nothing is imported twice.',
    );
    const text = await summaryText(page);
    expect(text).toContain('0 imported');
    expect(text).toContain('0 refused');
    await page.context().close();
  });

  it('says so when a ZIP cannot be opened for want of the connection, and opens it once it is back', async () => {
    const zip = join(work, 'offline.zip');
    writeFileSync(zip, await zipOf({ 'o/p.jpg': await syntheticJpeg(800, 600, 990) }));
    const page = await signIn({ width: 390, height: 844 });
    const before = await tileCount();
    // Offline, the ZIP reader (fetched with the first ZIP) cannot come.
    await page.context().setOffline(true);
    await page.setInputFiles('#import-files', zip);
    await page.waitForFunction(() => document.getElementById('import-msg')?.classList.contains('error'));
    expect(await page.locator('#import-msg').textContent()).toBe(en['error.NETWORK']);
    expect(await page.locator('#import-stop').isHidden()).toBe(true);
    expect(await page.locator('#import-files').isEnabled()).toBe(true);
    await page.context().setOffline(false);
    await page.setInputFiles('#import-files', zip);
    await page.waitForSelector('#import-summary:not([hidden])', { timeout: 60_000 });
    expect(await summaryText(page)).toContain('1 imported');
    expect(await tileCount()).toBe(before + 1);
    await page.context().close();
  });

  it('asks before the page is left while an import runs, and not once it is done', async () => {
    const dir = join(work, 'held');
    mkdirSync(dir, { recursive: true });
    for (let i = 0; i < 3; i++) writeFileSync(join(dir, `h${i}.jpg`), await syntheticJpeg(800, 600, 950 + i));
    const page = await signIn({ width: 1280, height: 800 });
    // The first photo's request waits until the page has asked.
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => {
      release = r;
    });
    await page.route('**/api/admin/import**', async (route) => {
      await held;
      await route.continue();
    });
    await page.click('#import-rally');
    await page.setInputFiles('#import-folder', dir);
    await page.waitForSelector('#import-stop:not([hidden])');
    const asked = page.waitForEvent('dialog');
    await page.close({ runBeforeUnload: true });
    const dialog = await asked;
    expect(dialog.type()).toBe('beforeunload');
    await dialog.dismiss();
    release();
    await page.waitForSelector('#import-summary:not([hidden])', { timeout: 60_000 });
    expect(await page.locator('#import-msg').textContent()).toBe('The import is finished.');
    page.on('dialog', (d) => void d.dismiss());
    await page.close({ runBeforeUnload: true });
    await expect.poll(() => page.isClosed()).toBe(true);
    await page.context().close();
  });
});
