/**
 * End to end: the event screen reloaded while the venue's network is down, in Chromium
 * against the real server, for a mosaic sent whole and for one drawn from the live pyramid.
 * Its service worker answers from what it kept: the page, its scripts, the mosaic's view and
 * images, so the screen shows the mosaic it last had (not the browser's offline page) and
 * says it is reconnecting; once the network returns it goes live by itself and catches up
 * with the kisses sent meanwhile. Online, the worker always answers from the network.
 */
import type { Page, Response } from 'playwright-core';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { SCREEN_CACHE, SCREEN_CACHE_ENTRIES } from '../../client/sw/screenCache.ts';
import { syntheticJpeg } from '../support/images.ts';
import { upload } from '../support/server.ts';
import { waitForSeq } from './harness.ts';
import { settle } from './pixels.ts';
import { useE2E } from './useE2E.ts';

const pageSeq = (page: Page) =>
  page.evaluate(
    () => (window as unknown as { kiss: { feed: { mosaic: { seq: number } } } }).kiss.feed.mosaic.seq,
  );

/** The middle of the board as raw RGB (the reconnecting sign and the counters sit at its edges). */
async function boardMiddle(page: Page): Promise<Buffer> {
  await settle(page);
  await page.waitForTimeout(500);
  const box = await page.locator('#board').boundingBox();
  if (!box) throw new Error('no board');
  const png = await page.screenshot({
    clip: {
      x: box.x + box.width * 0.25,
      y: box.y + box.height * 0.2,
      width: box.width * 0.5,
      height: box.height * 0.6,
    },
  });
  return sharp(png).removeAlpha().raw().toBuffer();
}

/** Mean absolute difference of two same-sized RGB buffers, in levels of 255. */
function meanDiff(a: Buffer, b: Buffer): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}

describe.each([
  ['sent whole', { MOSAIC_COLS: '12', MOSAIC_ROWS: '12' }],
  ['drawn from the live pyramid', { MOSAIC_COLS: '12', MOSAIC_ROWS: '12', VIEW_CELLS_MAX_TILES: '0' }],
] as const)('the event screen of a mosaic %s, without the network', (mode, env) => {
  const e2e = useE2E(env);
  let count = 0;
  let seq = 0;
  const sent: { id: number; deleteToken: string }[] = [];
  async function send(seed: number): Promise<void> {
    const res = await upload(e2e.server().url, await syntheticJpeg(300, 300, seed), { event: 'london' });
    const body = (await res.json()) as { id: number; deleteToken: string; seq: number };
    seq = body.seq;
    sent.push(body);
    count++;
  }
  beforeAll(async () => {
    for (let i = 1; i <= 12; i++) await send(700 + i);
  });

  it('comes back from a reload showing the mosaic it had, then goes live and catches up once the network returns', async () => {
    const ctx = await e2e.browser().newContext({ viewport: { width: 1280, height: 720 }, locale: 'en-GB' });
    const page = await ctx.newPage();
    page.on('pageerror', (err) => console.error(err));
    await page.goto(`${e2e.server().url}/screen?event=london`);
    await waitForSeq(page, seq);
    await page.waitForSelector('body[data-offline="ready"]', { timeout: 20_000 });
    expect(await page.textContent('#total')).toBe('12 kisses worldwide');
    const had = await pageSeq(page);
    const before = await boardMiddle(page);

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
    const fromWorker = answers
      .filter((r) => r.fromServiceWorker() && r.status() === 200)
      .map((r) => new URL(r.url()).pathname);
    expect(fromWorker).toContain('/screen');
    // The same picture as before the reload, once its images are drawn (on a loaded machine, a while).
    await expect
      .poll(async () => meanDiff(await boardMiddle(page), before), { timeout: 15_000 })
      .toBeLessThan(4);

    await ctx.setOffline(false);
    await waitForSeq(page, seq, 30_000);
    await expect.poll(() => page.textContent('#total'), { timeout: 10_000 }).toBe('13 kisses worldwide');
    await page.waitForSelector('#reconnecting', { state: 'hidden' });
    await ctx.close();
  });

  it('never brings a deleted kiss back: reloaded without the network, it shows the mosaic as it last had it, not as it opened', async () => {
    const url = e2e.server().url;
    const ctx = await e2e.browser().newContext({ viewport: { width: 1280, height: 720 }, locale: 'en-GB' });
    const page = await ctx.newPage();
    page.on('pageerror', (err) => console.error(err));
    await page.goto(`${url}/screen?event=london`);
    await waitForSeq(page, seq);
    await page.waitForSelector('body[data-offline="ready"]', { timeout: 20_000 });
    const onBoard = (id: number) =>
      page.evaluate(
        (tileId) =>
          (window as unknown as { kiss: { board: { tileById(id: number): unknown } } }).kiss.board.tileById(
            tileId,
          ) !== null,
        id,
      );
    // While it runs, a kiss arrives and another is deleted by the couple.
    const gone = sent[3]!;
    expect(await onBoard(gone.id)).toBe(true);
    await send(802);
    const arrived = sent.at(-1)!;
    const del = await fetch(`${url}/api/tiles/${gone.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${gone.deleteToken}` },
    });
    expect(del.status).toBe(204);
    count--;
    const now = e2e.server().app.service.snapshot().seq;
    await waitForSeq(page, now);
    expect(await onBoard(gone.id)).toBe(false);
    // Its offline copy follows within a few seconds.
    await page.waitForSelector(`body[data-offline-seq="${now}"]`, { timeout: 15_000 });

    // The network goes down and the screen is reloaded: the deleted kiss stays deleted.
    await ctx.setOffline(true);
    await page.reload();
    await waitForSeq(page, now);
    await page.waitForSelector('#reconnecting:not([hidden])');
    expect(await page.textContent('#total')).toBe(`${count} kisses worldwide`);
    // In pyramid mode the board learns which kiss is where from blocks of cells it loads (from
    // the worker's copy) once it has drawn: every kiss it had is there a moment later, the one
    // that arrived last included, and the deleted one is not.
    const had = sent.filter((t) => t.id !== gone.id).map((t) => t.id);
    expect(had).toContain(arrived.id);
    await expect
      .poll(
        async () =>
          (await Promise.all(had.map(async (id) => ((await onBoard(id)) ? 0 : id)))).filter(Boolean),
        {
          timeout: 15_000,
        },
      )
      .toEqual([]);
    expect(await onBoard(gone.id)).toBe(false);
    if (process.env.SHOT_DIR) {
      await settle(page);
      await page.screenshot({
        path: `${process.env.SHOT_DIR}/screen-offline-deleted-${mode.replace(/ /g, '-')}.png`,
      });
    }
    await ctx.setOffline(false);
    await page.waitForSelector('#reconnecting', { state: 'hidden', timeout: 30_000 });
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
    expect(await page.textContent('#total')).toBe(`${count} kisses worldwide`);
    await ctx.close();
  });
});

describe("the event screen's offline copy", () => {
  const e2e = useE2E({ MOSAIC_COLS: '12', MOSAIC_ROWS: '12' });

  it('holds at most SCREEN_CACHE_ENTRIES answers: the oldest blocks go first, never the page and its files', async () => {
    const url = e2e.server().url;
    const ctx = await e2e.browser().newContext({ viewport: { width: 1280, height: 720 }, locale: 'en-GB' });
    const page = await ctx.newPage();
    await page.goto(`${url}/screen`);
    await page.waitForSelector('body[data-offline="ready"]', { timeout: 20_000 });
    const shell = await page.evaluate(
      async (name) =>
        (await (await caches.open(name)).keys()).filter((r) => {
          const p = new URL(r.url).pathname;
          return p === '/screen' || p.startsWith('/assets/');
        }).length,
      SCREEN_CACHE,
    );
    expect(shell).toBeGreaterThan(2);
    // Blocks of cells the worker copies one by one, each under its own key: past the cap.
    const extra = SCREEN_CACHE_ENTRIES + 40;
    const state = await page.evaluate(
      async ({ n, name, cap }) => {
        for (let i = 0; i < n; i++) {
          const res = await fetch(`/api/mosaic/cells?col=0&row=0&cols=1&rows=1&copy=${i}`);
          await res.arrayBuffer();
        }
        // The worker copies after it answers: wait until the last one is in.
        const cache = await caches.open(name);
        const last = `/api/mosaic/cells?col=0&row=0&cols=1&rows=1&copy=${n - 1}`;
        for (let i = 0; i < 200 && !(await cache.match(last)); i++)
          await new Promise((r) => setTimeout(r, 50));
        let all = await cache.keys();
        for (let i = 0; i < 100 && all.length > cap; i++) {
          await new Promise((r) => setTimeout(r, 100));
          all = await cache.keys();
        }
        const keys = all.map((r) => new URL(r.url));
        return {
          size: keys.length,
          shell: keys.filter((u) => u.pathname === '/screen' || u.pathname.startsWith('/assets/')).length,
          copies: keys
            .filter((u) => u.searchParams.has('copy'))
            .map((u) => Number(u.searchParams.get('copy'))),
        };
      },
      { n: extra, name: SCREEN_CACHE, cap: SCREEN_CACHE_ENTRIES },
    );
    expect(state.size).toBeLessThanOrEqual(SCREEN_CACHE_ENTRIES);
    // The page and every built file it loads are still there, for a reload without the network.
    expect(state.shell).toBe(shell);
    // The newest stay, the oldest went.
    expect(state.copies).toContain(extra - 1);
    expect(state.copies).not.toContain(0);
    expect(Math.min(...state.copies)).toBeGreaterThan(extra - SCREEN_CACHE_ENTRIES - 1);
    // So the screen still comes back from a reload without the network.
    await ctx.setOffline(true);
    await page.reload();
    await page.waitForSelector('#reconnecting:not([hidden])', { timeout: 20_000 });
    await page.waitForFunction(() => 'kiss' in window);
    await ctx.close();
  });
});
