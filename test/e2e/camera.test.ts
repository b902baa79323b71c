import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { syntheticJpeg } from '../support/images.ts';
import { upload } from '../support/server.ts';
import { contribute, waitForSeq } from './harness.ts';
import { useE2E } from './useE2E.ts';

const e2e = useE2E({ MOSAIC_COLS: '8', MOSAIC_ROWS: '8' });

beforeAll(async () => {
  for (let i = 1; i <= 4; i++) await upload(e2e.server().url, await syntheticJpeg(240, 240, 300 + i));
});

interface View {
  scale: number;
  cx: number;
  cy: number;
  /** The canvas's place on the page and the board's viewport size (CSS px). */
  left: number;
  top: number;
  width: number;
  height: number;
}

function view(page: Page): Promise<View> {
  return page.evaluate(() => {
    type B = {
      camera: { scale: number; cx: number; cy: number };
      viewport: { width: number; height: number };
      canvas: HTMLCanvasElement;
    };
    const b = (window as unknown as { kiss: { board: B } }).kiss.board;
    const r = b.canvas.getBoundingClientRect();
    return { ...b.camera, left: r.left, top: r.top, width: b.viewport.width, height: b.viewport.height };
  });
}

/** The world point (in cells) under a page point. */
function worldAt(v: View, px: number, py: number): [number, number] {
  return [v.cx + (px - v.left - v.width / 2) / v.scale, v.cy + (py - v.top - v.height / 2) / v.scale];
}

async function open(touch = false): Promise<Page> {
  const ctx = await e2e.browser().newContext({ viewport: { width: 1000, height: 700 }, hasTouch: touch });
  const page = await ctx.newPage();
  await page.goto(`${e2e.server().url}/`);
  await waitForSeq(page, e2e.server().app.service.snapshot().seq);
  // Let the opening overview settle: user input cancels camera flights.
  await page.waitForFunction(() => {
    const k = (window as unknown as { kiss?: { board: { animating: boolean } } }).kiss;
    return k !== undefined && !k.board.animating;
  });
  return page;
}

describe('the viewer: loading, zoom and pan', () => {
  it('zooms with the wheel about the pointer, and drags to pan', async () => {
    const page = await open();
    const v0 = await view(page);
    const px = v0.left + v0.width * 0.3;
    const py = v0.top + v0.height * 0.4;
    const before = worldAt(v0, px, py);
    await page.mouse.move(px, py);
    await page.mouse.wheel(0, -400);
    await expect.poll(async () => (await view(page)).scale).toBeGreaterThan(v0.scale * 1.5);
    const v1 = await view(page);
    const after = worldAt(v1, px, py);
    // The cell under the pointer stays under the pointer.
    expect(Math.abs(after[0] - before[0])).toBeLessThan(0.05);
    expect(Math.abs(after[1] - before[1])).toBeLessThan(0.05);

    await page.mouse.down();
    for (let i = 1; i <= 5; i++) await page.mouse.move(px - 20 * i, py - 10 * i);
    await page.mouse.up();
    const v2 = await view(page);
    // Dragging 100 px left and 50 px up moves the camera right and down by as many cells.
    expect(v2.scale).toBeCloseTo(v1.scale, 6);
    expect(v2.cx - v1.cx).toBeCloseTo(100 / v1.scale, 1);
    expect(v2.cy - v1.cy).toBeCloseTo(50 / v1.scale, 1);
    await page.context().close();
  });

  it('zooms with a two-finger pinch on a touch screen', async () => {
    const page = await open(true);
    const v0 = await view(page);
    const cdp = await page.context().newCDPSession(page);
    const y = v0.top + v0.height / 2;
    const mid = v0.left + v0.width / 2;
    const fingers = (d: number) => [
      { x: mid - d, y, id: 1 },
      { x: mid + d, y, id: 2 },
    ];
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: fingers(60) });
    for (let d = 70; d <= 150; d += 10) {
      await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: fingers(d) });
    }
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
    const v1 = await view(page);
    // The fingers spread from 120 px to 300 px apart: 2.5x, about the middle.
    expect(v1.scale / v0.scale).toBeGreaterThan(2.2);
    expect(v1.scale / v0.scale).toBeLessThan(2.8);
    expect(Math.abs(v1.cx - v0.cx)).toBeLessThan(0.1);
    await page.context().close();
  });

  it('zooms with + and -, moves the focus cell with the arrows, and 0 shows the whole mosaic again', async () => {
    const page = await open();
    const v0 = await view(page);
    await page.locator('canvas').first().focus();
    await page.keyboard.press('+');
    await page.keyboard.press('+');
    const v1 = await view(page);
    expect(v1.scale / v0.scale).toBeCloseTo(2.25, 2);
    const cell = () =>
      page.evaluate(
        () =>
          (window as unknown as { kiss: { board: { focusedCell: [number, number] | null } } }).kiss.board
            .focusedCell,
      );
    const [c0, r0] = (await cell())!;
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowDown');
    // The arrows move the focus cell (the camera follows it only to keep it on screen).
    expect(await cell()).toEqual([c0 + 1, r0 + 1]);
    const v2 = await view(page);
    await page.keyboard.press('-');
    expect((await view(page)).scale / v2.scale).toBeCloseTo(1 / 1.5, 2);
    await page.keyboard.press('0');
    await expect.poll(async () => (await view(page)).scale, { timeout: 5000 }).toBeCloseTo(v0.scale, 3);
    await page.context().close();
  });

  it('loads the mosaic from the view start its HTML preloads, its cells decoded in a worker', async () => {
    const page = await open();
    const seen = await page.evaluate(() => ({
      snapshot: (performance.getEntriesByType('resource') as PerformanceResourceTiming[])
        .filter((r) => r.name.endsWith('/api/mosaic/view'))
        .map((r) => r.initiatorType),
      marks: performance.getEntriesByType('mark').map((m) => m.name),
      tiles: (window as unknown as { kiss: { feed: { mosaic: { size: number } } } }).kiss.feed.mosaic.size,
    }));
    // One download, started by the <link rel="preload">, and handed to the worker.
    expect(seen.snapshot).toEqual(['link']);
    expect(seen.marks).toContain('kiss:view-received');
    expect(seen.marks).toContain('kiss:frame-decoded');
    expect(seen.tiles).toBe(e2e.server().app.service.tileCount);
    await page.context().close();
  });

  it('on a phone that saves data, /add sends the photo and links to it without downloading the mosaic; the link, followed at once while others watch, opens its card', async () => {
    const ctx = await e2e.browser().newContext({ viewport: { width: 390, height: 844 } });
    // What a phone with Save-Data (or on 2G) reports.
    await ctx.addInitScript(() =>
      Object.defineProperty(navigator, 'connection', { value: { saveData: true, effectiveType: '4g' } }),
    );
    // Someone already watching: the server's whole snapshot is then older than the kiss sent next.
    const watcher = await e2e.browser().newPage();
    await watcher.goto(e2e.server().url);
    await waitForSeq(watcher, e2e.server().app.service.snapshot().seq);
    const page = await ctx.newPage();
    const asked: string[] = [];
    page.on('request', (r) => asked.push(new URL(r.url()).pathname));
    await contribute(page, e2e.server().url, await syntheticJpeg(600, 600, 777));
    await page.waitForTimeout(500);
    expect(await page.locator('#mini-board').isHidden()).toBe(true);
    expect(await page.locator('#see').isVisible()).toBe(true);
    expect(asked).toContain('/api/tiles');
    expect(
      asked.filter(
        (p) => p === '/api/mosaic/snapshot' || p === '/api/mosaic/view' || p.startsWith('/socket.io'),
      ),
    ).toEqual([]);
    // "See it in the mosaic", followed at once, opens the new kiss's card.
    const id = Number(
      new URL((await page.locator('#see').getAttribute('href'))!, e2e.server().url).pathname.split('/').pop(),
    );
    await page.click('#see');
    await page.waitForSelector('#tile[open]');
    expect(await page.textContent('#tile-title')).toBe(`Kiss #${id}`);
    await watcher.close();
    await ctx.close();
  });
});
