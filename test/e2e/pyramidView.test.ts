/**
 * The viewer of a big mosaic (pyramid mode, forced here with VIEW_CELLS_MAX_TILES=0 on a
 * small grid): the overview from the live colour pyramid, cells loaded a block at a time,
 * uploads, deletes and a growth drawn by canvas pixels, on / and /screen.
 */
import { createHash } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fitCamera } from '../../client/render/camera.ts';
import type { UploadAnswer } from '../../shared/httpApi.ts';
import { PROFILES, timePhoneLoad } from '../bench/phoneTiming.ts';
import { syntheticJpeg } from '../support/images.ts';
import { upload } from '../support/server.ts';
import {
  CHROMIUM_ARGS,
  chromiumPath,
  type E2EServer,
  recordCspViolations,
  startE2EServer,
  waitForSeq,
} from './harness.ts';
import { colourDistance, settle } from './pixels.ts';

let server: E2EServer;
let browser: Browser;

beforeAll(async () => {
  server = await startE2EServer({ MOSAIC_COLS: '3', MOSAIC_ROWS: '3', VIEW_CELLS_MAX_TILES: '0' });
  // A page fulfilled by the test (the throttled reference) must still reach 127.0.0.1.
  browser = await chromium.launch({
    executablePath: chromiumPath(),
    args: [...CHROMIUM_ARGS, '--disable-features=LocalNetworkAccessChecks'],
  });
  for (let i = 1; i <= 6; i++) await upload(server.url, await syntheticJpeg(240, 240, 700 + i));
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

/** The tinted mean colour the server's live copy holds for a cell, or null when empty. */
function serverColour(col: number, row: number): [number, number, number] | null {
  const m = server.app.live.broadcaster.mosaic;
  const k = m.farColour(row * m.cols + col);
  return k === undefined ? null : [(k >> 16) & 255, (k >> 8) & 255, k & 255];
}

/** Mean [r, g, b] of the middle of a cell as the canvas shows it now. */
async function shownAt(page: Page, col: number, row: number): Promise<[number, number, number]> {
  const at = await page.evaluate(
    ([c, r]) => {
      type B = {
        cellToScreen(c: number, r: number): [number, number];
        camera: { scale: number };
        canvas: HTMLCanvasElement;
      };
      const b = (window as unknown as { kiss: { board: B } }).kiss.board;
      const [x, y] = b.cellToScreen(c!, r!);
      const box = b.canvas.getBoundingClientRect();
      return { x: box.left + x, y: box.top + y, size: b.camera.scale };
    },
    [col, row],
  );
  const half = Math.max(1, Math.floor(at.size * 0.4));
  const png = await page.screenshot({
    clip: { x: Math.round(at.x - half), y: Math.round(at.y - half), width: 2 * half, height: 2 * half },
  });
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const sum = [0, 0, 0];
  const n = info.width * info.height;
  for (let i = 0; i < n; i++) for (let k = 0; k < 3; k++) sum[k]! += data[i * 3 + k]!;
  return [sum[0]! / n, sum[1]! / n, sum[2]! / n];
}

async function overview(page: Page): Promise<void> {
  await page.waitForFunction(() => performance.getEntriesByName('mosaic:live').length > 0, null, {
    timeout: 30_000,
  });
  await settle(page);
  await page.waitForTimeout(300);
}

/** Waits until the canvas shows a cell within `d` of a colour (or, with `far`, further than `d`). */
async function expectShown(page: Page, col: number, row: number, want: number[], d = 45, far = false) {
  let last: number[] = [];
  for (let i = 0; i < 40; i++) {
    last = await shownAt(page, col, row);
    const dist = colourDistance(last, want);
    if (far ? dist > d : dist < d) return;
    await page.waitForTimeout(150);
  }
  await page.screenshot({ path: `/tmp/pyramid-fail-${col}-${row}.png` });
  throw new Error(
    `cell ${col},${row} shows ${last.map(Math.round)}; wanted ${far ? 'far from' : 'near'} ${want}`,
  );
}

describe('the viewer of a big mosaic (the live pyramid)', () => {
  it('draws the overview from the pyramid, without a snapshot, and loads cells zoomed in', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const asked: string[] = [];
    page.on('request', (r) => asked.push(new URL(r.url()).pathname));
    await page.goto(`${server.url}/`);
    await overview(page);
    // The view start came in the page itself (see the next test); nothing asked for it again.
    expect(asked).not.toContain('/api/mosaic/view');
    expect(asked.some((p) => p.startsWith('/api/mosaic/pyramid/'))).toBe(true);
    expect(asked).not.toContain('/api/mosaic/snapshot');
    expect(
      await page.evaluate(
        () =>
          (window as unknown as { kiss: { feed: { mosaic: { partial: boolean } } } }).kiss.feed.mosaic
            .partial,
      ),
    ).toBe(true);
    for (let c = 0; c < 3; c++) {
      const want = serverColour(c, 0);
      if (want) await expectShown(page, c, 0, want);
    }
    // Zoomed in on a tile: the blocks of cells load and the tile is drawn from its images.
    const t = server.app.service.get(1)!;
    await page.evaluate(
      ([c, r]) =>
        (
          window as unknown as {
            kiss: { board: { flyTo(c: number, r: number, px: number, ms: number): void } };
          }
        ).kiss.board.flyTo(c!, r!, 160, 0),
      [t.col, t.row],
    );
    await page.waitForFunction(`window.kiss.board.tileInCell(${t.row * 3 + t.col})?.id === ${t.id}`);
    expect(asked).toContain('/api/mosaic/cells');
    await expectShown(page, t.col, t.row, serverColour(t.col, t.row)!);
    await page.close();
  });

  it("shows the whole mosaic from the page's HTML before any of its code runs, then hands over to the board", async () => {
    // The page as served: the view start and the preview script inline, allowed by their hash.
    // The pyramid publishes a moment after a change, and the page carries its published seq;
    // with ?min=<seq> it waits for a publish of that seq (the screen's offline copy asks so).
    const seq = server.app.service.seq;
    const res = await fetch(`${server.url}/?min=${seq}`);
    const html = await res.text();
    const json = /<script type="application\/json" id="kiss-view">([^<]*)<\/script>/.exec(html);
    const inline = /<script data-app="([^"]+)" data-preload="[^"]*">([\s\S]*?)<\/script>/.exec(html);
    expect(JSON.parse(json![1]!)).toMatchObject({ mode: 'pyramid', seq, cols: 3 });
    expect(html).not.toMatch(/<script type="module"/);
    const hash = createHash('sha256').update(inline![2]!).digest('base64');
    expect(res.headers.get('content-security-policy')).toContain(`script-src 'self' 'sha256-${hash}'`);
    // Asked for every cell, or a page that does not show the whole mosaic: served as built.
    expect(await (await fetch(`${server.url}/?view=cells`)).text()).not.toContain('id="kiss-view"');
    expect(await (await fetch(`${server.url}/add`)).text()).not.toContain('id="kiss-view"');

    // No module of the page ever arrives: what shows is the page's own first picture.
    const bare = await browser.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 });
    const violations: string[] = [];
    recordCspViolations(bare, violations);
    await bare.route(/\/assets\/.*\.js$/, (r) => r.abort());
    await bare.goto(`${server.url}/`);
    await bare.waitForFunction(() => performance.getEntriesByName('mosaic:overview').length > 0, null, {
      timeout: 30_000,
    });
    const early = await bare.evaluate(() => ({
      detail: (performance.getEntriesByName('mosaic:overview')[0] as PerformanceMark).detail,
      app: 'kiss' in window,
      board: (() => {
        const r = document.getElementById('board')!.getBoundingClientRect();
        return { x: r.left, y: r.top, width: r.width, height: r.height };
      })(),
    }));
    expect(early.detail).toEqual({ seq: server.app.service.seq, preview: true });
    expect(early.app).toBe(false);
    const cam = fitCamera(3, 3, early.board);
    for (let c = 0; c < 3; c++)
      for (let r = 0; r < 3; r++) {
        const want = serverColour(c, r);
        if (!want) continue;
        const x = early.board.x + (c + 0.5 - cam.cx) * cam.scale + early.board.width / 2;
        const y = early.board.y + (r + 0.5 - cam.cy) * cam.scale + early.board.height / 2;
        const half = Math.floor(cam.scale * 0.3);
        const png = await bare.screenshot({
          clip: { x: x - half, y: y - half, width: 2 * half, height: 2 * half },
        });
        const { data } = await sharp(png)
          .removeAlpha()
          .resize(1, 1)
          .raw()
          .toBuffer({ resolveWithObject: true });
        if (colourDistance([data[0]!, data[1]!, data[2]!], want) >= 45)
          await bare.screenshot({ path: '/tmp/preview-fail.png' });
        expect(colourDistance([data[0]!, data[1]!, data[2]!], want)).toBeLessThan(45);
      }
    expect(violations).toEqual([]);
    await bare.close();

    // With its code, the page starts after the picture and the board takes over: one mark.
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server.url}/`);
    await overview(page);
    expect(
      await page.evaluate(() => ({
        marks: performance.getEntriesByName('mosaic:overview').length,
        preview: (performance.getEntriesByName('mosaic:overview')[0] as PerformanceMark).detail?.preview,
        left: document.getElementById('overview-preview') !== null,
      })),
    ).toEqual({ marks: 1, preview: true, left: false });
    const t = server.app.service.get(1)!;
    await expectShown(page, t.col, t.row, serverColour(t.col, t.row)!);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('opens a shared /t/<id> link with the first picture in its page, its preview tags, compressed', async () => {
    const t = server.app.service.get(1)!;
    const res = await fetch(`${server.url}/t/${t.id}`, { headers: { 'accept-encoding': 'br' } });
    expect(res.headers.get('content-encoding')).toBe('br');
    const html = await res.text();
    expect(html).toContain('id="kiss-view"');
    expect(html).toMatch(/<meta property="og:image" content="[^"]+\/api\/tiles\/1\/card\.png/);
    expect(html).not.toMatch(/<script type="module"/);
    expect(await (await fetch(`${server.url}/t/${t.id}?view=cells`)).text()).not.toContain('id="kiss-view"');

    const page = await browser.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 });
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    recordCspViolations(page, problems);
    await page.goto(`${server.url}/t/${t.id}`);
    await page.waitForSelector('#tile[open]', { timeout: 30_000 });
    expect(
      await page.evaluate(
        '(performance.getEntriesByName("mosaic:overview")[0] || {}).detail?.preview === true',
      ),
    ).toBe(true);
    await expect
      .poll(() => page.evaluate('document.getElementById("tile-title").textContent'))
      .toContain(String(t.id));
    expect(problems).toEqual([]);
    await page.close();
  });

  it('shows an upload on / and /screen, takes a delete out at overview and zoomed in, and redraws a growth', async () => {
    const view = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const screen = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await view.goto(`${server.url}/`);
    await screen.goto(`${server.url}/screen?event=london`);
    await overview(view);
    await overview(screen);

    const a = (await (await upload(server.url, await syntheticJpeg(240, 240, 777))).json()) as UploadAnswer;
    // The engine may move tiles after a placement: ask where the tile is now.
    const at = () => server.app.service.get(a.id)!;
    for (const page of [view, screen]) {
      await waitForSeq(page, server.app.service.seq);
      await settle(page);
      await expectShown(page, at().col, at().row, serverColour(at().col, at().row)!);
    }

    // A delete: gone from the open page, and from a page loaded afterwards, far and near.
    const { col, row } = at();
    const before = serverColour(col, row)!;
    const del = await fetch(`${server.url}/api/tiles/${a.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${a.deleteToken}` },
    });
    expect(del.status).toBe(204);
    await expectShown(view, col, row, before, 45, true);
    const fresh = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await fresh.goto(`${server.url}/`);
    await overview(fresh);
    await expectShown(fresh, col, row, before, 45, true);
    await fresh.evaluate(
      ([c, r]) =>
        (
          window as unknown as {
            kiss: { board: { flyTo(c: number, r: number, px: number, ms: number): void } };
          }
        ).kiss.board.flyTo(c!, r!, 160, 0),
      [col, row],
    );
    await fresh.waitForTimeout(800);
    await expectShown(fresh, col, row, before, 45, true);
    await fresh.close();

    // Fill the grid: the next upload grows it, and the open pages load the new geometry.
    let last = a;
    while (server.app.service.cols === 3)
      last = (await (
        await upload(server.url, await syntheticJpeg(240, 240, 800 + last.id))
      ).json()) as UploadAnswer;
    expect(server.app.service.cols).toBe(6);
    for (const page of [view, screen]) {
      await page.waitForFunction(
        () => (window as unknown as { kiss: { board: { cols: number } } }).kiss.board.cols === 6,
        null,
        { timeout: 20_000 },
      );
      await waitForSeq(page, server.app.service.seq);
      await settle(page);
      expect(
        await page.evaluate(
          () => (window as unknown as { kiss: { feed: { mosaic: { size: number } } } }).kiss.feed.mosaic.size,
        ),
      ).toBe(server.app.service.tileCount);
      // The screen's caption darkens its bottom edge: pixels are read on the viewer.
      if (page === screen) continue;
      const t = server.app.service.get(last.id)!;
      await expectShown(page, t.col, t.row, serverColour(t.col, t.row)!);
      const one = server.app.service.get(1)!;
      await expectShown(page, one.col, one.row, serverColour(one.col, one.row)!);
    }
    await view.close();
    await screen.close();
  });

  it('a phone on throttled 4G reaches mosaic:overview', async () => {
    const r = await timePhoneLoad(browser, server.url, PROFILES.fourG);
    expect(r.overviewMs).toBeGreaterThan(0);
    expect(r.bytes).toBeGreaterThan(0);
  });
});
