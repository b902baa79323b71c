/** A growth re-layout reaches an open viewer as one change and is drawn at the new size. */
import { beforeAll, expect, it } from 'vitest';
import { syntheticJpeg } from '../support/images.ts';
import { upload } from '../support/server.ts';
import { waitForSeq } from './harness.ts';
import { cellColour, colourDistance, expectedColour, settle } from './pixels.ts';
import { useE2E } from './useE2E.ts';

const e2e = useE2E({ MOSAIC_COLS: '3', MOSAIC_ROWS: '3' });

beforeAll(async () => {
  for (let i = 1; i <= 9; i++) await upload(e2e.server().url, await syntheticJpeg(240, 240, 500 + i));
});

it('redraws the whole mosaic at the grown size, still fitting the window', async () => {
  const page = await e2e.browser().newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(`${e2e.server().url}/`);
  await waitForSeq(page, e2e.server().app.service.snapshot().seq);
  const res = await upload(e2e.server().url, await syntheticJpeg(240, 240, 999));
  const { id } = (await res.json()) as { id: number };
  expect(e2e.server().app.service.cols).toBe(6);
  await waitForSeq(page, e2e.server().app.service.snapshot().seq);
  await settle(page);
  const view = await page.evaluate(() => {
    type B = {
      cols: number;
      rows: number;
      viewport: { width: number; height: number };
      cellToScreen(c: number, r: number): [number, number];
    };
    const b = (window as unknown as { kiss: { board: B } }).kiss.board;
    return {
      cols: b.cols,
      rows: b.rows,
      vp: b.viewport,
      first: b.cellToScreen(0, 0),
      last: b.cellToScreen(b.cols - 1, b.rows - 1),
    };
  });
  expect([view.cols, view.rows]).toEqual([6, 6]);
  for (const [x, y] of [view.first, view.last]) {
    expect(x).toBeGreaterThan(0);
    expect(y).toBeGreaterThan(0);
    expect(x).toBeLessThan(view.vp.width);
    expect(y).toBeLessThan(view.vp.height);
  }
  for (const tile of [1, id]) {
    expect(colourDistance(await cellColour(page, tile), await expectedColour(page, tile))).toBeLessThan(45);
  }
});
