/**
 * End to end: the event screen reloaded while the venue's network is down, in Chromium
 * against the real server. Its service worker answers from what it kept: the page, its
 * scripts, the mosaic's view and images, so the screen shows the mosaic it last had (not
 * the browser's offline page) and says it is reconnecting; once the network returns it goes
 * live by itself and catches up with the kisses sent meanwhile.
 */
import type { Page, Response } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { syntheticJpeg } from '../support/images.ts';
import { upload } from '../support/server.ts';
import { waitForSeq } from './harness.ts';
import { cellColour, colourDistance, expectedColour, settle } from './pixels.ts';
import { useE2E } from './useE2E.ts';

const e2e = useE2E({ MOSAIC_COLS: '12', MOSAIC_ROWS: '12' });
const ids: number[] = [];
let seq = 0;

async function send(seed: number): Promise<void> {
  const res = await upload(e2e.server().url, await syntheticJpeg(300, 300, seed), { event: 'london' });
  const body = (await res.json()) as { id: number; seq: number };
  ids.push(body.id);
  seq = body.seq;
}

const pageSeq = (page: Page) =>
  page.evaluate(
    () => (window as unknown as { kiss: { feed: { mosaic: { seq: number } } } }).kiss.feed.mosaic.seq,
  );

beforeAll(async () => {
  for (let i = 1; i <= 12; i++) await send(700 + i);
});

describe('the event screen without the network', () => {
  it('comes back from a reload showing the mosaic it had, then goes live and catches up once the network returns', async () => {
    const ctx = await e2e.browser().newContext({ viewport: { width: 1280, height: 720 }, locale: 'en-GB' });
    const page = await ctx.newPage();
    page.on('pageerror', (err) => console.error(err));
    await page.goto(`${e2e.server().url}/screen?event=london`);
    await waitForSeq(page, seq);
    await page.waitForSelector('body[data-offline="ready"]', { timeout: 20_000 });
    expect(await page.textContent('#total')).toBe('12 kisses worldwide');
    const had = await pageSeq(page);

    // The network goes down, a kiss arrives meanwhile, and someone reloads the screen.
    await ctx.setOffline(true);
    await send(800);
    const answers: Response[] = [];
    page.on('response', (r) => answers.push(r));
    await page.reload();
    await waitForSeq(page, had);
    // What it had, not what the server holds now.
    expect(await pageSeq(page)).toBeLessThan(seq);
    expect(await page.textContent('#total')).toBe('12 kisses worldwide');
    await page.waitForSelector('#reconnecting:not([hidden])');
    const fromWorker = (path: string) =>
      answers.some((r) => new URL(r.url()).pathname === path && r.fromServiceWorker() && r.status() === 200);
    expect(fromWorker('/screen')).toBe(true);
    expect(fromWorker('/api/mosaic/view')).toBe(true);
    // The tiles it had are drawn as before: their cells show their colours, not the empty target.
    await settle(page);
    for (const id of ids.slice(0, 4))
      expect(colourDistance(await cellColour(page, id), await expectedColour(page, id))).toBeLessThan(45);

    await ctx.setOffline(false);
    await waitForSeq(page, seq, 30_000);
    await expect.poll(() => page.textContent('#total'), { timeout: 10_000 }).toBe('13 kisses worldwide');
    await page.waitForSelector('#reconnecting', { state: 'hidden' });
    await ctx.close();
  });

  it('answers from the network whenever it is up: a reload online shows the latest mosaic', async () => {
    const ctx = await e2e.browser().newContext({ viewport: { width: 1280, height: 720 }, locale: 'en-GB' });
    const page = await ctx.newPage();
    await page.goto(`${e2e.server().url}/screen?event=london`);
    await page.waitForSelector('body[data-offline="ready"]', { timeout: 20_000 });
    // Without the live socket, the page learns the new kiss only from the view it loads.
    await ctx.route(/\/socket\.io\//, (route) => route.abort());
    await send(801);
    await page.reload();
    await waitForSeq(page, seq);
    expect(await page.textContent('#total')).toBe(`${ids.length} kisses worldwide`);
    await ctx.close();
  });
});
