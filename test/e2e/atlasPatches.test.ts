/**
 * End to end: a tile that lands on an atlas block the viewer holds is drawn over the block
 * from its own 32 px WebP, and the block is not downloaded again; a delete still fetches the
 * block again, and again after a request for it failed. Real server on port 0, the built
 * client in Debian's Chromium, the canvas's pixels.
 */
import type { Page } from 'playwright-core';
import sharp, { type Sharp } from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { meanAbsDiff, syntheticJpeg } from '../support/images.ts';
import { upload } from '../support/server.ts';
import { waitForSeq } from './harness.ts';
import { settle } from './pixels.ts';
import { useE2E } from './useE2E.ts';

const CELL_PX = 24;
/** The tiles there before the page opens (in its atlas blocks). */
const seeded: { id: number; deleteToken: string }[] = [];

const e2e = useE2E({ MOSAIC_COLS: '32', MOSAIC_ROWS: '32' });

beforeAll(async () => {
  // 32x32 cells: four atlas blocks of 16x16, all in view at the atlas zoom.
  for (let i = 1; i <= 8; i++) {
    const res = await upload(e2e.server().url, await syntheticJpeg(400, 400, 40 + i));
    seeded.push((await res.json()) as { id: number; deleteToken: string });
  }
});

type Kiss = {
  board: {
    setCamera(c: { scale: number; cx: number; cy: number }): void;
    tileById(id: number): { col: number; row: number; tint: { r: number; g: number; b: number } } | null;
    cellToScreen(c: number, r: number): [number, number];
    stats(): { atlases: number; patches: number };
  };
};

const serverSeq = () => e2e.server().app.service.snapshot().seq;

/** Where a tile is (cell and tint), as the page holds it. */
async function tileOnPage(page: Page, id: number) {
  return page.evaluate((tileId) => {
    const t = (window as unknown as { kiss: Kiss }).kiss.board.tileById(tileId)!;
    return { col: t.col, row: t.row, tint: t.tint };
  }, id);
}

const small = (img: Sharp): Promise<Buffer> =>
  img.removeAlpha().resize(4, 4, { fit: 'fill' }).raw().toBuffer();

/** The middle of a cell as the canvas shows it, 4x4. */
async function cellOnScreen(page: Page, col: number, row: number, name: string): Promise<Buffer> {
  const at = await page.evaluate(
    ([c, r]) => {
      const b = (window as unknown as { kiss: Kiss }).kiss.board;
      const [sx, sy] = b.cellToScreen(c!, r!);
      const box = (b as unknown as { canvas: HTMLCanvasElement }).canvas.getBoundingClientRect();
      return { x: box.left + sx, y: box.top + sy };
    },
    [col, row],
  );
  const half = CELL_PX / 2 - 2;
  const shot = await page.screenshot({
    clip: { x: Math.round(at.x - half), y: Math.round(at.y - half), width: half * 2, height: half * 2 },
  });
  if (process.env.SHOT_DIR) await sharp(shot).toFile(`${process.env.SHOT_DIR}/cell-${name}.png`);
  return small(sharp(shot));
}

/** The middle of a tile's 32 px picture with its tint, 4x4 (as cellOnScreen cuts it), and its flat colour. */
async function tilePicture(id: number, tint: { r: number; g: number; b: number }) {
  const webp = Buffer.from(await (await fetch(`${e2e.server().url}/tiles/${id}/32.webp`)).arrayBuffer());
  const raw = await sharp(webp).removeAlpha().raw().toBuffer();
  const add = [tint.r, tint.g, tint.b];
  const tinted = Buffer.from(raw.map((v, i) => Math.max(0, Math.min(255, v + add[i % 3]!))));
  const tile = await small(
    sharp(tinted, { raw: { width: 32, height: 32, channels: 3 } }).extract({
      left: 3,
      top: 3,
      width: 26,
      height: 26,
    }),
  );
  const mean = [0, 1, 2].map((k) => tile.filter((_, i) => i % 3 === k).reduce((a, b) => a + b, 0) / 16);
  return { tile, flat: Buffer.from(tile.map((_, i) => Math.round(mean[i % 3]!))) };
}

/** A 1280x800 page at the atlas zoom over the whole mosaic, every request noted, all four blocks drawn. */
async function atlasView(): Promise<{
  page: Page;
  asked: { path: string; at: number }[];
  close(): Promise<void>;
}> {
  const ctx = await e2e
    .browser()
    .newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
  const page = await ctx.newPage();
  const asked: { path: string; at: number }[] = [];
  page.on('request', (r) => asked.push({ path: new URL(r.url()).pathname, at: Date.now() }));
  await page.goto(`${e2e.server().url}/`);
  await waitForSeq(page, serverSeq());
  await page.evaluate((px) => {
    (window as unknown as { kiss: Kiss }).kiss.board.setCamera({ scale: px, cx: 16, cy: 16 });
  }, CELL_PX);
  await page.waitForFunction(() => (window as unknown as { kiss: Kiss }).kiss.board.stats().atlases === 4);
  await settle(page);
  return { page, asked, close: () => ctx.close() };
}

const deleteTile = (id: number, token: string) =>
  fetch(`${e2e.server().url}/api/tiles/${id}`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${token}` },
  });

describe('atlas blocks while tiles land and leave', () => {
  it('is drawn from its 32 px tile without the block again, and a delete fetches the block again', async () => {
    const { page, asked, close } = await atlasView();
    expect(asked.filter((a) => a.path.startsWith('/api/atlas/'))).toHaveLength(4);

    const landedAt = Date.now();
    const res = await upload(e2e.server().url, await syntheticJpeg(600, 400, 77));
    expect(res.status).toBe(201);
    const { id, deleteToken } = (await res.json()) as { id: number; deleteToken: string };
    await waitForSeq(page, serverSeq());
    await page.waitForFunction(() => (window as unknown as { kiss: Kiss }).kiss.board.stats().patches === 1);
    await settle(page);
    // Past the atlas layer's reload delay (1.2 s): a block due again would have been asked for.
    await page.waitForTimeout(2000);
    const after = asked.filter((a) => a.at >= landedAt);
    expect(after.filter((a) => a.path.startsWith('/api/atlas/'))).toEqual([]);
    expect(after.map((a) => a.path)).toContain(`/tiles/${id}/32.webp`);
    // The cell shows the tile's picture, not only its colour.
    const { col, row, tint } = await tileOnPage(page, id);
    const { tile, flat } = await tilePicture(id, tint);
    const shown = meanAbsDiff(await cellOnScreen(page, col, row, `landed-${id}`), tile);
    expect(meanAbsDiff(flat, tile)).toBeGreaterThan(8);
    expect(shown).toBeLessThan(meanAbsDiff(flat, tile) / 2);

    const block = `/api/atlas/${Math.floor(col / 16)}/${Math.floor(row / 16)}.webp`;
    const deletedAt = Date.now();
    expect((await deleteTile(id, deleteToken)).status).toBe(204);
    await waitForSeq(page, serverSeq());
    await page.waitForFunction(() => (window as unknown as { kiss: Kiss }).kiss.board.stats().patches === 0);
    await expect
      .poll(() => asked.filter((a) => a.at >= deletedAt).map((a) => a.path), { timeout: 10_000 })
      .toContain(block);
    await close();
  });

  it('asks for a block again after a delete when the first request for it failed', async () => {
    const { page, asked, close } = await atlasView();
    const { id, deleteToken } = seeded[0]!;
    const { col, row, tint } = await tileOnPage(page, id);
    const { tile } = await tilePicture(id, tint);
    expect(meanAbsDiff(await cellOnScreen(page, col, row, `held-${id}`), tile)).toBeLessThan(12);
    const block = `/api/atlas/${Math.floor(col / 16)}/${Math.floor(row / 16)}.webp`;
    // The venue's Wi-Fi drops the first request for the block after the delete.
    let failed = 0;
    await page.route(
      (u) => u.pathname === block,
      (route) => (failed++ === 0 ? route.abort('internetdisconnected') : route.continue()),
    );
    const deletedAt = Date.now();
    expect((await deleteTile(id, deleteToken)).status).toBe(204);
    await waitForSeq(page, serverSeq());
    const forBlock = () => asked.filter((a) => a.at >= deletedAt && a.path === block).length;
    await expect.poll(forBlock, { timeout: 15_000 }).toBeGreaterThanOrEqual(2);
    // The deleted tile's picture is gone from its cell.
    await expect
      .poll(async () => meanAbsDiff(await cellOnScreen(page, col, row, `deleted-${id}`), tile), {
        timeout: 10_000,
      })
      .toBeGreaterThan(20);
    await close();
  });
});
