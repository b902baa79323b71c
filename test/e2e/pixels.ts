/** Reading what the canvas shows, from real screenshots, at a tile's cell. */
import type { Page } from 'playwright-core';
import sharp from 'sharp';

interface CellView {
  cam: string;
  x: number;
  y: number;
  size: number;
}

/** Where a tile's cell is on screen now (page CSS px), or null when the page does not hold it. */
async function cellView(page: Page, id: number): Promise<CellView | null> {
  return page.evaluate((tileId) => {
    type K = {
      board: {
        tileById(id: number): { col: number; row: number } | null;
        cellToScreen(c: number, r: number): [number, number];
        camera: { scale: number; cx: number; cy: number };
        canvas: HTMLCanvasElement;
      };
    };
    const k = (window as unknown as { kiss?: K }).kiss;
    const t = k?.board.tileById(tileId);
    if (!k || !t) return null;
    const [sx, sy] = k.board.cellToScreen(t.col, t.row);
    const r = k.board.canvas.getBoundingClientRect();
    const c = k.board.camera;
    return { cam: `${c.scale},${c.cx},${c.cy}`, x: r.left + sx, y: r.top + sy, size: c.scale };
  }, id);
}

/** Mean [r, g, b] of the middle of a tile's cell as drawn on screen (retries while the camera moves). */
export async function cellColour(page: Page, id: number): Promise<[number, number, number]> {
  for (let attempt = 0; attempt < 40; attempt++) {
    const before = await cellView(page, id);
    if (!before) throw new Error(`tile ${id} is not on this page`);
    const half = Math.max(1, Math.floor(before.size * 0.45));
    const clip = {
      x: Math.round(before.x - half),
      y: Math.round(before.y - half),
      width: half * 2,
      height: half * 2,
    };
    // Wholly out of the window: the camera is on its way elsewhere (an event screen's flight to a new kiss).
    const view = page.viewportSize();
    if (
      view &&
      (clip.x + clip.width <= 0 || clip.y + clip.height <= 0 || clip.x >= view.width || clip.y >= view.height)
    ) {
      await page.waitForTimeout(150);
      continue;
    }
    const png = await page.screenshot({ clip });
    const after = await cellView(page, id);
    if (after?.cam !== before.cam) {
      await page.waitForTimeout(150);
      continue;
    }
    const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    return meanRgb(data, info.width * info.height);
  }
  throw new Error('the camera never held still');
}

/** The mean colour inside a tile's cell on a screenshot taken earlier (page CSS px). */
export async function cellColourIn(png: Buffer, page: Page, id: number): Promise<[number, number, number]> {
  const view = await cellView(page, id);
  if (!view) throw new Error(`tile ${id} is not on this page`);
  const half = Math.max(1, Math.floor(view.size * 0.45));
  const box = {
    left: Math.round(view.x - half),
    top: Math.round(view.y - half),
    width: half * 2,
    height: half * 2,
  };
  const { data, info } = await sharp(png)
    .extract(box)
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return meanRgb(data, info.width * info.height);
}

function meanRgb(data: Buffer, n: number): [number, number, number] {
  const sum = [0, 0, 0];
  for (let i = 0; i < n; i++) for (let k = 0; k < 3; k++) sum[k]! += data[i * 3 + k]!;
  return [sum[0]! / n, sum[1]! / n, sum[2]! / n];
}

/** The tinted mean colour the page's own model holds for a tile (what the mosaic should show). */
export async function expectedColour(page: Page, id: number): Promise<[number, number, number]> {
  const k = await page.evaluate((tileId) => {
    type M = { cellOfTile(id: number): number | undefined; farColour(c: number): number | undefined };
    const m = (window as unknown as { kiss?: { feed: { mosaic: M } } }).kiss?.feed.mosaic;
    const c = m?.cellOfTile(tileId);
    return c === undefined ? null : (m?.farColour(c) ?? null);
  }, id);
  if (k === null) throw new Error(`tile ${id} is not in the page's model`);
  return [(k >> 16) & 255, (k >> 8) & 255, k & 255];
}

export function colourDistance(a: readonly number[], b: readonly number[]): number {
  return Math.hypot(a[0]! - b[0]!, a[1]! - b[1]!, a[2]! - b[2]!);
}

/** Waits until the board has no arrival animation and no camera flight running. */
export async function settle(page: Page): Promise<void> {
  await page.waitForFunction(
    () => {
      type B = { animating: boolean; stats(): { arrivals: number } };
      const b = (window as unknown as { kiss?: { board: B } }).kiss?.board;
      return !!b && !b.animating && b.stats().arrivals === 0;
    },
    null,
    { timeout: 20_000, polling: 100 },
  );
}
