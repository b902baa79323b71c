/**
 * End to end: a viewer reports a tile from its dialog in Chromium, and the real server
 * counts the flag (FLAG_THRESHOLD=1, so the tile waits in the admin queue with its reason).
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { syntheticJpeg } from '../support/images.ts';
import { flagCount } from '../support/moderation.ts';
import { upload } from '../support/server.ts';
import { waitForSeq } from './harness.ts';
import { useE2E } from './useE2E.ts';

const TOKEN = 'e2e-admin-token-0123456789';
const SHOTS = resolve(import.meta.dirname, '../../test-results/shots');
const ids: number[] = [];

const e2e = useE2E({
  ADMIN_TOKEN: TOKEN,
  FLAG_THRESHOLD: '1',
  MOSAIC_COLS: '8',
  MOSAIC_ROWS: '8',
});

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  for (let i = 1; i <= 4; i++) {
    const res = await upload(e2e.server().url, await syntheticJpeg(400, 400, 300 + i), { event: 'london' });
    ids.push(((await res.json()) as { id: number }).id);
  }
});

async function openTile(id: number, viewport = { width: 390, height: 844 }): Promise<Page> {
  const ctx = await e2e.browser().newContext({ viewport, locale: 'en-GB', deviceScaleFactor: 1 });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => console.error(e));
  await page.goto(`${e2e.server().url}/t/${id}`);
  await waitForSeq(page, e2e.server().app.service.snapshot().seq);
  await page.waitForSelector('#tile[open]');
  await expect.poll(() => page.textContent('#tile-event')).toBe('Rally: london');
  return page;
}

interface QueueBody {
  items: Array<{ id: number; flags: number; flagReasons: Record<string, number> }>;
}

describe('reporting a tile', () => {
  it('sends the chosen reason with a kept client id; the server counts it', async () => {
    const id = ids[0]!;
    const page = await openTile(id);
    expect(await page.isVisible('#report-form')).toBe(false);
    await page.click('#report-open');
    expect(await page.getAttribute('#report-open', 'aria-expanded')).toBe('true');
    // The first reason has the focus; the keyboard picks another.
    expect(await page.evaluate(() => (document.activeElement as HTMLInputElement).value)).toBe('sexual');
    await page.click('#report-send');
    expect(await page.textContent('#report-status')).toBe('Please choose a reason.');
    await page.check('input[name="reason"][value="hate"]');
    expect(await page.textContent('#report-status')).toBe('');
    await page.screenshot({ path: resolve(SHOTS, 'report-choice-phone.png') });

    const sent = page.waitForRequest((r) => r.url().endsWith(`/api/tiles/${id}/flag`));
    await page.click('#report-send');
    const req = await sent;
    expect(req.postDataJSON()).toEqual({ reason: 'hate' });
    const clientId = req.headers()['x-client-id'];
    expect(clientId).toMatch(/^[A-Za-z0-9_-]{16,64}$/);
    expect(await page.evaluate(() => localStorage.getItem('kiss.client'))).toBe(clientId);
    await expect
      .poll(() => page.textContent('#report-status'))
      .toBe('Thank you. A moderator will look at this kiss.');
    expect(await page.isVisible('#report-open')).toBe(false);
    await page.screenshot({ path: resolve(SHOTS, 'report-thanks-phone.png') });

    expect(await flagCount(e2e.server().app.safety.flags, id)).toBe(1);
    const queue = (await (
      await fetch(`${e2e.server().url}/api/admin/queue`, { headers: { Authorization: `Bearer ${TOKEN}` } })
    ).json()) as QueueBody;
    expect(queue.items).toContainEqual(expect.objectContaining({ id, flags: 1, flagReasons: { hate: 1 } }));

    // The admin page shows it with its flag and reason.
    const admin = await page.context().newPage();
    await admin.setViewportSize({ width: 1280, height: 800 });
    await admin.goto(`${e2e.server().url}/admin`);
    await admin.fill('#token', TOKEN);
    await admin.press('#token', 'Enter');
    await admin.waitForFunction(
      () => (document.querySelector<HTMLImageElement>('#queue img')?.naturalWidth ?? 0) > 0,
    );
    expect(await admin.textContent(`#queue li:has(#pick-${id}) .flags`)).toBe(
      'Flagged by 1 viewer: Hate or harassment (1)',
    );
    await admin.screenshot({ path: resolve(SHOTS, 'admin-flagged-desktop.png') });
    await admin.close();

    // Another tile from the same browser keeps the same client id.
    await page.goto(`${e2e.server().url}/t/${ids[1]}`);
    await page.waitForSelector('#tile[open]');
    expect(await page.evaluate(() => localStorage.getItem('kiss.client'))).toBe(clientId);
    await page.context().close();
  });

  it('says in words when the tile is gone, the request is refused, or there were too many', async () => {
    const id = ids[2]!;
    const page = await openTile(id, { width: 1280, height: 800 });
    await page.click('#report-open');
    await page.check('input[name="reason"][value="spam"]');
    await page.screenshot({ path: resolve(SHOTS, 'report-choice-desktop.png') });

    let answer: { status: number; headers?: Record<string, string>; code: string } | null = {
      status: 429,
      headers: { 'Retry-After': '42' },
      code: 'RATE_LIMITED',
    };
    await page.route(`**/api/tiles/${id}/flag`, (route) =>
      answer
        ? route.fulfill({
            status: answer.status,
            headers: { 'Content-Type': 'application/json', ...answer.headers },
            body: JSON.stringify({ error: { code: answer.code, message: 'x' } }),
          })
        : route.continue(),
    );
    await page.click('#report-send');
    await expect
      .poll(() => page.textContent('#report-status'))
      .toBe('You have sent many reports. Please wait 42 seconds and try again.');
    answer = { status: 400, code: 'BAD_REQUEST' };
    await page.click('#report-send');
    await expect
      .poll(() => page.textContent('#report-status'))
      .toBe('This report could not be sent. Please reload the page and try again.');
    expect(await page.isVisible('#report-form')).toBe(true);

    // The real server's 404: an admin removed the tile while the dialog was open.
    answer = null;
    const del = await fetch(`${e2e.server().url}/api/admin/tiles/${id}`, {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${TOKEN}` },
    });
    expect(del.status).toBe(204);
    await page.click('#report-send');
    await expect.poll(() => page.textContent('#report-status')).toBe('This kiss is no longer in the mosaic.');
    expect(await page.isVisible('#report-form')).toBe(false);
    expect(await flagCount(e2e.server().app.safety.flags, id)).toBe(0);
    await page.context().close();
  });

  it('is translated: the Russian dialog offers Russian reasons', async () => {
    const ctx = await e2e.browser().newContext({ viewport: { width: 390, height: 844 }, locale: 'ru-RU' });
    const page = await ctx.newPage();
    await page.goto(`${e2e.server().url}/t/${ids[3]}`);
    await page.waitForSelector('#tile[open]');
    await page.click('#report-open');
    expect(await page.textContent('#report-open')).toBe('Пожаловаться');
    const labels = await page.$$eval('.report-choice span', (s) => s.map((e) => e.textContent));
    expect(labels).toEqual([
      'Сексуальный контент',
      'Насилие',
      'Ненависть или травля',
      'Личные данные',
      'Спам или реклама',
      'Другое',
    ]);
    await page.screenshot({ path: resolve(SHOTS, 'report-choice-phone-ru.png') });
    await ctx.close();
  });
});

describe('a kiss that leaves the mosaic while its card is open', () => {
  it('leaves the card too: the photo goes, the card says so, and the buttons stay put', async () => {
    const res = await upload(e2e.server().url, await syntheticJpeg(400, 400, 390), { event: 'london' });
    const { id, deleteToken } = (await res.json()) as { id: number; deleteToken: string };
    const page = await openTile(id);
    await page.waitForFunction(
      () => (document.querySelector<HTMLImageElement>('#tile-img')?.naturalWidth ?? 0) > 0,
    );
    const closeAt = await page.$eval('#tile-close', (e) => e.getBoundingClientRect().top);

    // The contributor deletes it from their phone.
    const del = await fetch(`${e2e.server().url}/api/tiles/${id}`, {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${deleteToken}` },
    });
    expect(del.status).toBe(204);
    await expect.poll(() => page.textContent('#tile-event')).toBe('This kiss is no longer in the mosaic.');
    const photo = () =>
      page.$eval('#tile-img', (img) => ({
        src: (img as HTMLImageElement).getAttribute('src'),
        width: (img as HTMLImageElement).naturalWidth,
      }));
    expect(await photo()).toEqual({ src: null, width: 0 });
    expect(await page.$eval('#tile-close', (e) => e.getBoundingClientRect().top)).toBe(closeAt);
    await page.screenshot({ path: resolve(SHOTS, 'tile-gone-phone.png') });

    await page.keyboard.press('Escape');
    await page.waitForSelector('#tile:not([open])', { state: 'attached' });
    await page.context().close();
  });
});
