/**
 * End to end: a tile that lands on an atlas block the viewer holds is drawn over the block
 * from its own 32 px WebP, and the block is not downloaded again; a delete still fetches the
 * block again. Real server on port 0, the built client in Debian's Chromium, the canvas's pixels.
 */
import type { Browser, Page } from 'playwright-core';
import sharp, { type Sharp } from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { meanAbsDiff, syntheticJpeg } from '../support/images.ts';
import { upload } from '../support/server.ts';
import { type E2EServer, launchBrowser, startE2EServer, waitForSeq } from './harness.ts';
import { settle } from './pixels.ts';

const CELL_PX = 24;
let server: E2EServer;
let browser: Browser;

beforeAll(async () => {
  // 32x32 cells: four atlas blocks of 16x16, all in view at the atlas zoom.
  server = await startE2EServer({ MOSAIC_COLS: '32', MOSAIC_ROWS: '32' });
  browser = await launchBrowser();
  for (let i = 1; i <= 8; i++) await upload(server.url, await syntheticJpeg(400, 400, 40 + i));
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

type Kiss = {
  board: {
    setCamera(c: { scale: number; cx: number; cy: number }): void;
    tileById(id: number): { col: number; row: number; tint: { r: number; g: number; b: number } } | null;
    cellToScreen(c: number, r: number): [number, number];
    stats(): { atlases: number; patches: number };
  };
};

const serverSeq = () => server.app.service.snapshot().seq;

/** The cell's pixels on screen and the tile's tinted 32 px picture, both 4x4, and its flat colour. */
async function cellAgainstTile(page: Page, id: number) {
  const at = await page.evaluate((tileId) => {
    const b = (window as unknown as { kiss: Kiss }).kiss.board;
    const t = b.tileById(tileId)!;
    const [sx, sy] = b.cellToScreen(t.col, t.row);
    const r = (b as unknown as { canvas: HTMLCanvasElement }).canvas.getBoundingClientRect();
    return { x: r.left + sx, y: r.top + sy, tint: t.tint };
  }, id);
  const half = CELL_PX / 2 - 2;
  const shot = await page.screenshot({
    clip: { x: Math.round(at.x - half), y: Math.round(at.y - half), width: half * 2, height: half * 2 },
  });
  const small = (img: Sharp): Promise<Buffer> =>
    img.removeAlpha().resize(4, 4, { fit: 'fill' }).raw().toBuffer();
  if (process.env.SHOT_DIR) await sharp(shot).toFile(`${process.env.SHOT_DIR}/patch-${id}.png`);
  const onScreen = await small(sharp(shot));
  const webp = Buffer.from(await (await fetch(`${server.url}/tiles/${id}/32.webp`)).arrayBuffer());
  const raw = await sharp(webp).removeAlpha().raw().toBuffer();
  const tint = [at.tint.r, at.tint.g, at.tint.b];
  const tinted = Buffer.from(raw.map((v, i) => Math.max(0, Math.min(255, v + tint[i % 3]!))));
  // The cell's middle (as the screenshot) of the tinted tile.
  const tile = await small(
    sharp(tinted, { raw: { width: 32, height: 32, channels: 3 } }).extract({
      left: 3,
      top: 3,
      width: 26,
      height: 26,
    }),
  );
  const mean = [0, 1, 2].map((k) => tile.filter((_, i) => i % 3 === k).reduce((a, b) => a + b, 0) / 16);
  const flat = Buffer.from(tile.map((_, i) => Math.round(mean[i % 3]!)));
  return { patch: meanAbsDiff(onScreen, tile), flat: meanAbsDiff(flat, tile) };
}

describe('a landing on a held atlas block', () => {
  it('is drawn from its 32 px tile without the block again, and a delete fetches the block again', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
    const page = await ctx.newPage();
    const asked: { path: string; at: number }[] = [];
    page.on('request', (r) => asked.push({ path: new URL(r.url()).pathname, at: Date.now() }));
    await page.goto(`${server.url}/`);
    await waitForSeq(page, serverSeq());
    await page.evaluate((px) => {
      (window as unknown as { kiss: Kiss }).kiss.board.setCamera({ scale: px, cx: 16, cy: 16 });
    }, CELL_PX);
    await page.waitForFunction(() => (window as unknown as { kiss: Kiss }).kiss.board.stats().atlases === 4);
    await settle(page);
    expect(asked.filter((a) => a.path.startsWith('/api/atlas/'))).toHaveLength(4);

    const landedAt = Date.now();
    const res = await upload(server.url, await syntheticJpeg(600, 400, 77));
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
    const shown = await cellAgainstTile(page, id);
    expect(shown.flat).toBeGreaterThan(8);
    expect(shown.patch).toBeLessThan(shown.flat / 2);

    const { col, row } = (await page.evaluate(
      (tileId) => (window as unknown as { kiss: Kiss }).kiss.board.tileById(tileId),
      id,
    ))!;
    const block = `/api/atlas/${Math.floor(col / 16)}/${Math.floor(row / 16)}.webp`;
    const deletedAt = Date.now();
    const del = await fetch(`${server.url}/api/tiles/${id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${deleteToken}` },
    });
    expect(del.status).toBe(204);
    await waitForSeq(page, serverSeq());
    await page.waitForFunction(() => (window as unknown as { kiss: Kiss }).kiss.board.stats().patches === 0);
    await expect
      .poll(() => asked.filter((a) => a.at >= deletedAt).map((a) => a.path), { timeout: 10_000 })
      .toContain(block);
    await ctx.close();
  });
});
