/**
 * End to end: the contribute page on a connection that drops, in Chromium against the real
 * server. Offline, it waits and sends once the browser is back online; a request that hangs is
 * given up after 30 s and sent again; after four failed retries the page says so and Send works
 * again. (A dropped answer, sent again with its Idempotency-Key: test/e2e/mosaic.test.ts.)
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Page, Route } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { syntheticJpeg } from '../support/images.ts';
import { useE2E } from './useE2E.ts';

const e2e = useE2E({ MOSAIC_COLS: '8', MOSAIC_ROWS: '8' });
const SHOTS = resolve(import.meta.dirname, '../../test-results/shots');
mkdirSync(SHOTS, { recursive: true });

const tileCount = async (): Promise<number> =>
  ((await (await fetch(`${e2e.server().url}/api/mosaic`)).json()) as { tileCount: number }).tileCount;

/** The contribute page with a photo chosen and consent given, ready to send. */
async function ready(seed: number): Promise<Page> {
  const ctx = await e2e.browser().newContext({ viewport: { width: 390, height: 844 }, locale: 'en-GB' });
  const page = await ctx.newPage();
  page.on('pageerror', (err) => console.error(err));
  await page.goto(`${e2e.server().url}/add`);
  const buffer = await syntheticJpeg(600, 600, seed);
  await page.setInputFiles('#file', { name: 'kiss.jpg', mimeType: 'image/jpeg', buffer });
  await page.waitForSelector('#preview-box:not([hidden])');
  await page.check('#consent');
  return page;
}

const words = (page: Page) => page.locator('#progress-text').textContent();

describe('the contribute page on a connection that drops', () => {
  it('waits while offline, says so, asks before the page is left, and sends the photo once the browser is back online', async () => {
    const page = await ready(901);
    const before = await tileCount();
    await page.context().setOffline(true);
    await page.click('#send');
    await page.waitForFunction(() =>
      document.getElementById('progress-text')?.textContent?.startsWith('You are offline.'),
    );
    expect(await page.locator('#error').textContent()).toBe('');
    // The photo it sends, and its choices, stay as they are until it is in.
    for (const id of ['#send', '#file', '#camera', '#hide-faces', '#consent'])
      expect(await page.isDisabled(id), id).toBe(true);
    // Still waiting a while later, and nothing reached the server.
    await page.waitForTimeout(1500);
    expect(await words(page)).toBe('You are offline. Your kiss goes out as soon as you are back online.');
    expect(await tileCount()).toBe(before);
    await page.screenshot({ path: resolve(SHOTS, 'add-offline-390.png'), fullPage: true });
    // Leaving now would drop the photo: the page asks first, and stays when told to.
    const asked = page.waitForEvent('dialog');
    await page.close({ runBeforeUnload: true });
    const dialog = await asked;
    expect(dialog.type()).toBe('beforeunload');
    await dialog.dismiss();
    expect(page.isClosed()).toBe(false);

    await page.context().setOffline(false);
    await page.waitForSelector('#done-view:not([hidden])', { timeout: 20_000 });
    expect(await tileCount()).toBe(before + 1);
    // Sent: leaving asks nothing.
    page.on('dialog', (d) => void d.dismiss());
    await page.close({ runBeforeUnload: true });
    await expect.poll(() => page.isClosed()).toBe(true);
    await page.context().close();
  });

  it('gives up on a request that hangs after 30 s and sends it again', async () => {
    const page = await ready(904);
    const before = await tileCount();
    let tries = 0;
    const held: Route[] = [];
    await page.route('**/api/tiles', (route) => {
      // The first attempt never leaves the phone, as on a signal that went but did not fail.
      if (++tries === 1) held.push(route);
      else return route.continue();
    });
    const clicked = Date.now();
    await page.click('#send');
    await page.waitForSelector('#done-view:not([hidden])', { timeout: 50_000 });
    expect(Date.now() - clicked).toBeGreaterThanOrEqual(30_000);
    expect(tries).toBe(2);
    expect(await tileCount()).toBe(before + 1);
    await page.context().close();
  }, 70_000);

  it('gives up after four retries with a clear error, and Send works again', async () => {
    const page = await ready(903);
    const before = await tileCount();
    let tries = 0;
    await page.route('**/api/tiles', (route) => {
      tries++;
      return route.abort('connectionreset');
    });
    await page.click('#send');
    await page.waitForFunction(() => document.getElementById('error')?.textContent !== '', null, {
      timeout: 45_000,
    });
    expect(await page.locator('#error').textContent()).toBe(
      'No connection. Please check your network and try again.',
    );
    expect(tries).toBe(5);
    for (const id of ['#send', '#file', '#camera', '#hide-faces', '#consent'])
      expect(await page.isDisabled(id), id).toBe(false);
    expect(await page.isHidden('#progress-box')).toBe(true);

    await page.unroute('**/api/tiles');
    await page.click('#send');
    await page.waitForSelector('#done-view:not([hidden])', { timeout: 20_000 });
    expect(await tileCount()).toBe(before + 1);
    await page.context().close();
  }, 60_000);
});
